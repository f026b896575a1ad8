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
			sweepCommand(),
			mergeCommand(),
			slurmCommand(),
			sweepPlotCommand(),
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
	err := app.Run(flagsFirst(app, args))
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

// flagsFirst moves the flags of a command that takes arguments (sweep FILE --out x.csv)
// before its arguments, since urfave/cli/v2 stops reading flags at the first argument.
// Everything after "--" stays an argument.
func flagsFirst(app *cli.App, args []string) []string {
	if len(args) < 3 {
		return args
	}
	c := app.Command(args[1])
	if c == nil || c.ArgsUsage == "" {
		return args
	}
	takesValue := map[string]bool{}
	for _, f := range c.Flags {
		// A bool flag takes no value, also when wrapped for config files (altsrc.BoolFlag).
		tv, ok := f.(interface{ TakesValue() bool })
		for _, n := range f.Names() {
			takesValue[n] = !ok || tv.TakesValue()
		}
	}
	var flags, rest []string
	for i := 2; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			rest = append(rest, args[i+1:]...)
			i = len(args)
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if takesValue[name] && !strings.Contains(name, "=") && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		default:
			rest = append(rest, a)
		}
	}
	out := append(append([]string{}, args[:2]...), flags...)
	if len(rest) > 0 {
		out = append(append(out, "--"), rest...)
	}
	return out
}
