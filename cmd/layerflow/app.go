package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

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
	ctx, sig, stop := signalContext()
	defer stop()
	set := beginOutputs()
	err := app.RunContext(ctx, flagsFirst(app, args))
	var ee *exitError
	// The outputs are made visible when the command has written all of them: on success, on
	// a checked law that fails (exit 1, a result), and on a stop by a signal after which the
	// command wrote a consistent set (130, 143); any other error leaves the previous set.
	ok := err == nil || errors.As(err, &ee) && (ee.code == 1 || ee.code == 130 || ee.code == 143)
	if cerr := endOutputs(set, ok); cerr != nil && err == nil {
		err = cerr
	}
	if err == nil {
		return 0
	}
	if errors.As(err, &ee) && ee.code == 130 && sig() == syscall.SIGTERM {
		ee.code = 143 // 128 + SIGTERM
	}
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(stderr, "layerflow: "+oneLine(ee.msg))
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "layerflow: "+oneLine(err.Error()))
	return 2
}

// signalContext returns a context that the first SIGINT or SIGTERM cancels, which signal
// that was (sig, nil before one), and stop to release the handler. After the first signal
// the default handling is restored, so a second one ends the process at once.
func signalContext() (ctx context.Context, sig func() os.Signal, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	var mu sync.Mutex
	var got os.Signal
	quit := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			signal.Stop(ch)
			mu.Lock()
			got = s
			mu.Unlock()
			cancel()
		case <-quit:
		}
	}()
	sig = func() os.Signal {
		mu.Lock()
		defer mu.Unlock()
		return got
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			signal.Stop(ch)
			close(quit)
			cancel()
		})
	}
	return ctx, sig, stop
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
