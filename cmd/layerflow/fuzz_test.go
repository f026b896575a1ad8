package main

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"

	"github.com/layerflow/layerflow/analysis"
)

// The parsers of list and number flags (--init and --from, --xrange, --shard, --only, --time)
// never panic; they accept what they promise (finite numbers, indices in range) or give a
// one-line error that quotes the value. The seed corpus is in testdata/fuzz/FuzzFlagParsers.
func FuzzFlagParsers(f *testing.F) {
	for _, s := range []string{"2,0.25", "1e400,1", "nan", " 1 , 2 ", "-0,0x1p-3", "3/4", "0/0", "1,2,10", "00:10:00", "1-23:59:59", "", ",", "\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := strconv.Quote(s)
		named := func(what string, err error) {
			if err == nil {
				return
			}
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, q) {
				t.Errorf("%s: error %q: want one line quoting %s", what, msg, q)
			}
		}
		v, err := parseList("init", s)
		named("--init", err)
		if err == nil {
			if len(v) != strings.Count(s, ",")+1 {
				t.Errorf("--init %q: %d values", s, len(v))
			}
			for _, x := range v {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					t.Errorf("--init %q: value %v", s, x)
				}
			}
		}
		lo, hi, set, err := parseRange("xrange", s)
		named("--xrange", err)
		if err == nil && set && !(lo < hi) {
			t.Errorf("--xrange %q: [%v, %v]", s, lo, hi)
		}
		i, n, err := parseShard(s)
		named("--shard", err)
		if err == nil && !(0 <= i && i < n) {
			t.Errorf("--shard %q: %d/%d", s, i, n)
		}
		only, err := parseOnly(s)
		named("--only", err)
		for _, k := range only {
			if k < 1 || k > analysis.NumClaims() {
				t.Errorf("--only %q: claim %d", s, k)
			}
		}
		_, err = slurmTime(s)
		named("--time", err)
	})
}

// Any config file gives, for every key, a value of its flag's type, or a one-line error
// naming the key: never a panic. The flags are those of gd and sweep (numbers, integers,
// lists, bools and a sweep's grid). The seed corpus is in testdata/fuzz/FuzzConfig.
func FuzzConfig(f *testing.F) {
	for _, s := range []string{
		"seed: 9007199254740993\nlr: 0.1\ninit: [2, 0.25]\nsteps: 1e3\n",
		"seed = 9007199254740993\nlr = 0.1\ninit = [2, 0.25]\n",
		"lr: {from: 0.1, to: 1, num: 3}\nworkers: 2\nno-progress: true\n",
		"lr: {to: .inf}\n",
		"seed: -1\n",
		"steps: 18446744073709551616\n",
		"init: [[1], 2]\n",
	} {
		f.Add(s, strings.Contains(s, " = "))
	}
	dir := f.TempDir()
	commands := []*cli.Command{gdCommand(), sweepCommand()}
	f.Fuzz(func(t *testing.T, doc string, toml bool) {
		path := filepath.Join(dir, "c.yaml")
		if toml {
			path = filepath.Join(dir, "c.toml")
		}
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Skip()
		}
		for _, c := range commands {
			src, err := configSource(path, c.Flags)
			if err != nil {
				if msg := err.Error(); strings.Contains(msg, "\n") {
					t.Errorf("%s: error of more than one line: %q", c.Name, msg)
				}
				continue
			}
			for _, fl := range c.Flags {
				name := fl.Names()[0]
				var ok bool
				switch fl.(type) {
				case *altsrc.Float64Flag:
					_, err = src.Float64(name)
					ok = err == nil
				case *altsrc.IntFlag:
					_, err = src.Int(name)
					ok = err == nil
				case *altsrc.Uint64Flag:
					_, err = src.Uint64(name)
					ok = err == nil
				case *altsrc.StringFlag:
					_, err = src.String(name)
					ok = err == nil
				case *altsrc.BoolFlag:
					_, err = src.Bool(name)
					ok = err == nil
				default:
					ok = true
				}
				if !ok {
					t.Errorf("%s: key %q has a value its flag cannot take: %v", c.Name, name, err)
				}
			}
		}
	})
}
