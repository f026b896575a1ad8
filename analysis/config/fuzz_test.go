package config

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Any document either decodes into a map nested at most MaxDepth deep, or gives a one-line
// error: never a panic, never a stack overflow. The seed corpus is in testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"seed: 9007199254740993\nlr: 0.1\ninit: [2, 0.25]\n",
		"seed = 9007199254740993\nlr = 0.1\ninit = [2, 0.25]\n",
		"method: [gd, sgd]\nlr: {from: 0.01, to: 1, num: 5, scale: log}\nstart: {points: \"1,2; 3,4\"}\n",
		"[start]\ngrid = {min = -1, max = 1, num = 3}\n",
		"a = \"\"\"x\\\n[[\"\"\"\"\"\nb = '''{{'''\n",
		"a.b.c = 1\n[x.y]\nz = [[1, 2], [3]]\n",
		"a: &x [1, 2]\nb: *x\n",
	} {
		f.Add(s, strings.Contains(s, "="))
	}
	f.Fuzz(func(t *testing.T, doc string, toml bool) {
		format := "yaml"
		if toml {
			format = "toml"
		}
		m, err := Decode([]byte(doc), format)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error of more than one line: %q", err)
			}
			return
		}
		if m == nil {
			t.Error("nil map without an error")
		}
		if d := depth(m); d > MaxDepth {
			t.Errorf("decoded %d levels deep", d)
		}
		// The values are those the YAML decoder makes by itself.
		if !toml {
			var ref map[string]any
			if err := yaml.Unmarshal([]byte(doc), &ref); err != nil {
				t.Fatalf("the decoder refuses what Decode took: %v", err)
			}
			if ref == nil {
				ref = map[string]any{}
			}
			if !same(m, ref) {
				t.Errorf("decoded %#v, the decoder makes %#v", m, ref)
			}
		}
	})
}

// same reports whether a and b are deeply equal, NaN equal to NaN.
func same(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && (x == y && math.Signbit(x) == math.Signbit(y) || x != x && y != y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !same(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !same(v, w) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}
