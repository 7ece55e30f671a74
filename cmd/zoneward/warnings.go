package main

import (
	"fmt"
	"io"

	"github.com/zoneward/zoneward/schema"
)

// writeWarnings prints what files say that zoneward reads differently from
// how they are written (schema.Repo.Warnings): in the output as "file:line:col:
// warning: …", or as ::warning annotations on the lines with --format
// github. JSON output is one document of errors, so with --format json
// they go to errOut as text instead. Warnings never fail a command.
func writeWarnings(out, errOut io.Writer, format string, warns schema.ErrorList) error {
	for _, w := range warns {
		var err error
		switch format {
		case "github":
			props := "file=" + ghProp(w.File)
			if w.Line > 0 {
				props += fmt.Sprintf(",line=%d", w.Line)
			}
			if w.Col > 0 {
				props += fmt.Sprintf(",col=%d", w.Col)
			}
			_, err = fmt.Fprintf(out, "::warning %s::%s\n", props, ghData(w.Msg))
		case "json":
			_, err = fmt.Fprintf(errOut, "%s: warning: %s\n", w.Pos, w.Msg)
		default:
			_, err = fmt.Fprintf(out, "%s: warning: %s\n", w.Pos, w.Msg)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
