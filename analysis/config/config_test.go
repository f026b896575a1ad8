package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Documents beyond the bounds are refused before the decoder sees them, with a one-line error
// saying which bound; brackets, quotes and dots inside strings and comments do not count.
func TestBounds(t *testing.T) {
	deep := func(open, close string, n int) string {
		return "a = " + strings.Repeat(open, n) + "1" + strings.Repeat(close, n) + "\n"
	}
	for _, tc := range []struct {
		name, format, doc, want string
	}{
		{"toml arrays 10⁶ deep", "toml", deep("[", "]", 1_000_000), "nested more than 64 levels"},
		{"toml inline tables 10⁶ deep", "toml", "a = " + strings.Repeat("{b=", 1_000_000) + "1" + strings.Repeat("}", 1_000_000), "nested more than 64 levels"},
		{"toml arrays 65 deep", "toml", deep("[", "]", 65), "line 1: arrays and tables nested more than 64"},
		{"toml dotted key of 10⁶ parts", "toml", "a" + strings.Repeat(".a", 1_000_000) + " = 1\n", "dotted key of more than 64 parts"},
		{"toml table header of 100 parts", "toml", "[a" + strings.Repeat(".a", 100) + "]\nb = 1\n", "dotted key of more than 64 parts"},
		{"toml dotted key in an inline table", "toml", "x = {" + strings.Repeat("a.", 70) + "a = 1}\n", "dotted key of more than 64 parts"},
		{"toml dotted key in an array of tables", "toml", "[[" + strings.Repeat("a.", 70) + "a]]\nb = 1\n", "dotted key of more than 64 parts"},
		{"toml dotted keys nesting through tables", "toml", "[" + strings.Repeat("a.", 40) + "a]\n" + strings.Repeat("b.", 40) + "b = 1\n", "nested more than 64 levels deep"},
		{"yaml 10⁶ deep", "yaml", "a: " + strings.Repeat("[", 1_000_000) + strings.Repeat("]", 1_000_000), "exceeded max depth"},
		{"yaml 100 deep", "yaml", "a: " + strings.Repeat("[", 100) + strings.Repeat("]", 100), "nested more than 64 levels deep"},
		{"yaml block lists 100 deep", "yaml", "a:\n" + strings.Repeat("- ", 100) + "1\n", "nested more than 64 levels deep"},
		{"yaml 2²⁰ items", "yaml", "a: [" + strings.Repeat("0,", 1<<20) + "0]", "more than 1048576 items"},
		{"toml 2²⁰ items", "toml", "a = [" + strings.Repeat("0,", 1<<20) + "0]", "more than 1048576 items"},
		{"yaml 2²⁰ lines", "yaml", strings.Repeat("- 0\n", 1<<20), "more than 1048576 items"},
		{"yaml table of 300 keys", "yaml", keys(300, "k%d: 1\n"), "a table of 300 keys (at most 256)"},
		{"yaml key twice", "yaml", "a: 1\nb: 2\na: 3\n", `line 3: key "a" is already defined at line 1`},
		{"toml key twice", "toml", "a = 1\na = 2\n", "already been defined"},
		{"unknown format", "json", "{}", `unknown format "json"`},
		{"toml syntax", "toml", "a = [1,\n", "toml"},
		{"yaml syntax", "yaml", "a: [1,\n", "yaml"},
		{"too large", "yaml", strings.Repeat(" ", MaxBytes+1), "more than 67108864 bytes"},
	} {
		_, err := Decode([]byte(tc.doc), tc.format)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line with %q", tc.name, err, tc.want)
		}
	}
}

func keys(n int, format string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, format, i)
	}
	return b.String()
}

// What is inside strings and comments is text, not structure: documents whose strings and
// comments hold many brackets, dots and commas decode, with their values intact.
func TestStringsAreText(t *testing.T) {
	br := strings.Repeat("[{", 100)
	for _, tc := range []struct {
		format, doc, key, want string
	}{
		{"toml", `a = "` + br + `"`, "a", br},
		{"toml", `a = "\"` + br + `\\"` + "\n", "a", `"` + br + `\`},
		{"toml", `a = '` + br + `'`, "a", br},
		{"toml", "a = \"\"\"\n" + br + "\n\"\"\"", "a", br + "\n"},
		{"toml", "a = '''" + br + "''''", "a", br + "'"},
		{"toml", "a = \"\"\"x\\\n  " + br + "\"\"\"\"\"", "a", "x" + br + `""`},
		{"toml", "# " + br + "\na = 1", "a", "1"},
		{"toml", "a = \"" + strings.Repeat("a.", 100) + "\"", "a", strings.Repeat("a.", 100)},
		{"yaml", "a: \"" + br + "\"", "a", br},
		{"yaml", "a: '" + br + "'", "a", br},
	} {
		m, err := Decode([]byte(tc.doc), tc.format)
		if err != nil {
			t.Errorf("%s %q: %v", tc.format, tc.doc, err)
			continue
		}
		if got := toString(m[tc.key]); got != tc.want {
			t.Errorf("%s %q: %s = %q, want %q", tc.format, tc.doc, tc.key, got, tc.want)
		}
	}
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return "?"
}

// The dots of numbers are not keys: a TOML list of 600 000 floats is within the bounds (its
// 1.2·10⁶ dots would not be).
func TestTOMLNumbersAreNotKeys(t *testing.T) {
	doc := "a = [" + strings.Repeat("0.5, ", 600_000) + "1.5]\nb = {c = [2.5, 3.5], d.e = 4.5}\n"
	m, err := Decode([]byte(doc), "toml")
	if err != nil {
		t.Fatal(err)
	}
	if a := m["a"].([]any); len(a) != 600_001 || a[0] != 0.5 {
		t.Errorf("a: %d values, the first %v", len(a), a[0])
	}
	if e := m["b"].(map[string]any)["d"].(map[string]any)["e"]; e != 4.5 {
		t.Errorf("b.d.e = %v", e)
	}
}

// Integers are decoded as integers, exactly: 2⁵³ + 1 is not rounded to 2⁵³.
func TestIntegersExact(t *testing.T) {
	for _, format := range []string{"yaml", "toml"} {
		doc := "seed: 9007199254740993\n"
		if format == "toml" {
			doc = "seed = 9007199254740993\n"
		}
		m, err := Decode([]byte(doc), format)
		if err != nil {
			t.Fatal(err)
		}
		var got int64
		switch x := m["seed"].(type) {
		case int:
			got = int64(x)
		case int64:
			got = x
		default:
			t.Fatalf("%s: seed decoded as %T", format, m["seed"])
		}
		if got != 9007199254740993 {
			t.Errorf("%s: seed %d", format, got)
		}
	}
}

// An empty document is an empty map; a file is read no further than MaxBytes (a device named
// as a file ends there).
func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"e.yaml", "e.toml", "n.yaml"} {
		text := ""
		if name == "n.yaml" {
			text = "~\n"
		}
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o644)
		m, err := ReadFile(p)
		if err != nil || m == nil || len(m) != 0 {
			t.Errorf("%s: %v, %v", name, m, err)
		}
	}
	if _, err := ReadFile(filepath.Join(dir, "x.json")); err == nil || !strings.Contains(err.Error(), `unknown extension ".json"`) {
		t.Errorf("x.json: %v", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing.yaml")); err == nil || strings.Contains(err.Error(), dir) {
		t.Errorf("missing file: %v (the caller names the path)", err)
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		if err := os.Symlink("/dev/zero", filepath.Join(dir, "z.yaml")); err == nil {
			if _, err := ReadFile(filepath.Join(dir, "z.yaml")); err == nil || !strings.Contains(err.Error(), "more than 67108864 bytes") {
				t.Errorf("/dev/zero: %v", err)
			}
		}
	}
}

// The values made from a YAML node tree are those the decoder makes, in every case the code
// makes itself (numbers in their spellings, names, nulls) and those it leaves to the decoder
// (tags, merge keys, aliases, tables with keys that are not names).
func TestYAMLAsDecoder(t *testing.T) {
	for _, doc := range []string{
		"a: [0777, 0o17, 0x10, 0b101, -0b11, 1_000, -0, +5, 12, -12, 9223372036854775807, 9223372036854775808, 18446744073709551616]\n",
		"a: [1e3, .5, -1.5e-3, +.5, 1_0.5, .inf, -.Inf, .NaN, 0.1, 1.]\n",
		"a: [~, null, Null, '', \"\", true, False, yes, no, on, 2001-12-14, 2001-12-14t21:59:43.10-05:00]\n",
		"a: !!str 1\nb: !!float 1\nc: !!int \"7\"\nd: '1'\ne: \"0x10\"\nf: |\n  text\n  more\n",
		"base: &b {x: 1, y: [1, 2]}\nmore:\n  <<: *b\n  z: 3\nalso: *b\n",
		"a: {1: one, 2: two}\nb: [{x: 1}, {y: [2, {z: 3}]}]\nc: {? [1, 2] : pair}\n",
		"start:\n  points: [[2, 0.25], [1, -1e-300], [0, 5e-324]]\n  grid: {min: -1, max: 1, num: 3}\n",
		"1: one\ntrue: yes\n",
	} {
		m, err := Decode([]byte(doc), "yaml")
		var ref map[string]any
		rerr := yaml.Unmarshal([]byte(doc), &ref)
		if (err != nil) != (rerr != nil) {
			t.Errorf("%q: error %v, the decoder's %v", doc, err, rerr)
			continue
		}
		if err == nil && !same(m, ref) {
			t.Errorf("%q:\n got %#v\nwant %#v", doc, m, ref)
		}
	}
}
