package delegation

// SetPublicRoots makes c treat its roots as public ones, whatever their
// addresses, so that a test on loopback sees the filter on glue at work.
func SetPublicRoots(c *Checker) { c.publicRoots = true }
