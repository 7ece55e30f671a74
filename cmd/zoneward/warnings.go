package main

import (
	"fmt"
	"io"

	"github.com/zoneward/zoneward/reconcile"
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
			err = ghAnnotation(out, "warning", w)
		case "json":
			_, err = fmt.Fprintln(errOut, reconcile.Graphic(fmt.Sprintf("%s: warning: %s", w.Pos, w.Msg)))
		default:
			_, err = fmt.Fprintln(out, reconcile.Graphic(fmt.Sprintf("%s: warning: %s", w.Pos, w.Msg)))
		}
		if err != nil {
			return err
		}
	}
	return nil
}
