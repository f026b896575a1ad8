package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
)

// version is recorded in every summary.json.
const version = "0.1.0"

// newApp builds the command line. Flags are built afresh for every app, so that tests can
// run many apps in one process.
func newApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:    "layerflow",
		Usage:   "training of deep linear networks as a dynamical system: layer imbalance, flat minima, GD vs gradient flow",
		Version: version,
		Writer:  stdout, ErrWriter: stderr,
		// Errors are returned to run, which prints one line and maps them to an exit status.
		ExitErrHandler:       func(*cli.Context, error) {},
		OnUsageError:         usageError,
		EnableBashCompletion: false,
		// --from takes "w1,w2": commas separate weights, not repeated values.
		DisableSliceFlagSeparator: true,
		Commands: []*cli.Command{
			reproduceCommand(),
			flowCommand(),
			gdCommand(),
			sgdCommand(),
			compareCommand(),
			checkCommand(),
			portraitCommand(),
		},
	}
	for _, c := range app.Commands {
		c.OnUsageError = usageError
	}
	return app
}

func usageError(_ *cli.Context, err error, _ bool) error {
	return fmt.Errorf("usage: %w", err)
}

// exitError carries an exit status with an optional message.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// run runs the app and returns the exit status: 0 on success, 1 when a checked law or claim
// fails, 2 on bad input or any other error (printed as one line on stderr).
func run(args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	err := app.Run(args)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(stderr, "layerflow: "+oneLine(ee.msg))
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "layerflow: "+oneLine(err.Error()))
	return 2
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
