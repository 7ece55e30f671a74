package schema

// DefaultClaimableSuffixes returns the starting list of policy.claimable_suffixes:
// service suffixes where a customer picks the name of their resource
// (<name>.azurewebsites.net), the name stops existing in DNS (NXDOMAIN)
// when the resource is deleted, and anyone may then create a resource of the
// same name, which makes a record still pointing there serve the newcomer.
//
// The list is drawn from public takeover research, and keeps only services
// whose sign of a free name is NXDOMAIN, the one sign a DNS audit can see
// (services whose sign is an HTTP error page, such as S3 or GitHub Pages,
// need an HTTP probe, which zoneward does not send):
//
//   - AWS Elastic Beanstalk, "Vulnerable", fingerprint NXDOMAIN:
//     https://github.com/EdOverflow/can-i-take-over-xyz (README table) and
//     https://github.com/EdOverflow/can-i-take-over-xyz/issues/194
//   - Microsoft Azure, the domains listed as vulnerable when NXDOMAIN:
//     https://github.com/EdOverflow/can-i-take-over-xyz/issues/35 (and, for
//     azurewebsites.net still being claimable by name,
//     https://github.com/EdOverflow/can-i-take-over-xyz/pull/450).
//     cloudapp.net is left out: new Cloud Services can no longer be
//     created to claim its names
//     (https://github.com/EdOverflow/can-i-take-over-xyz/issues/465).
//
// A Company edits the list in zoneward.yaml; setting the key replaces the
// whole list, and an empty list turns the check off. A new slice is returned
// on every call, so no caller can change another's default.
func DefaultClaimableSuffixes() []string {
	return []string{
		"elasticbeanstalk.com.",
		"azure-api.net.",
		"azurecontainer.io.",
		"azurecr.io.",
		"azuredatalakestore.net.",
		"azureedge.net.",
		"azurehdinsight.net.",
		"azurewebsites.net.",
		"blob.core.windows.net.",
		"cloudapp.azure.com.",
		"database.windows.net.",
		"redis.cache.windows.net.",
		"search.windows.net.",
		"servicebus.windows.net.",
		"trafficmanager.net.",
	}
}
