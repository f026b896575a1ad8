// Package config reads the YAML and TOML documents layerflow takes (sweep files and the files
// of --config) into maps, after checking the bounds that keep a hostile or mistaken file from
// exhausting memory or the stack:
//
//   - a file is read up to MaxBytes, never further (a device or a FIFO named as a file ends
//     there);
//   - the number of items (an upper bound on the values the decoder makes, counted on the text
//     before decoding) is at most MaxItems: the YAML decoder keeps a node of some 200 bytes
//     per value, so that the count, not the file size, decides the memory (the tree is let go
//     as the values are made from it);
//   - arrays and tables nest at most MaxDepth levels, checked on the text of a TOML document
//     before decoding (its decoder recurses once per level, and a file nested 10⁶ deep
//     overflowed the stack) and on the decoded value of both formats (a TOML dotted key
//     a.a.a… nests without brackets).
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"

	"github.com/layerflow/layerflow/analysis/budget"
)

// Bounds on a document.
const (
	// MaxBytes is the largest file read: 64 MiB.
	MaxBytes = 64 << 20
	// MaxItems bounds the items of a document: 2²⁰ (a YAML document at the bound takes some
	// 280 MB to decode). A long list of starting points is lighter as one string
	// "w1,w2; w1,w2; …" (a million points of two weights fit).
	MaxItems = 1 << 20
	// MaxDepth bounds the nesting of arrays and tables.
	MaxDepth = 64
	// MaxKeys bounds the keys of one table (a file of layerflow has a few dozen).
	MaxKeys = 256
)

// Format returns "yaml" for a path ending in .yaml or .yml, "toml" for .toml, "" otherwise.
func Format(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return "yaml"
	case ".toml":
		return "toml"
	}
	return ""
}

// ReadFile reads the YAML or TOML file at path (its format from its extension) and decodes it
// as Decode does. Errors are one line and do not name the path (the caller does).
func ReadFile(path string) (map[string]any, error) {
	format := Format(path)
	if format == "" {
		return nil, fmt.Errorf("unknown extension %q (want .yaml, .yml or .toml)", filepath.Ext(path))
	}
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxBytes {
		return nil, fmt.Errorf("more than %d bytes (at most 64 MiB)", MaxBytes)
	}
	// Decoded, a document takes about 40 times its text (measured: a sweep file of 300 000
	// listed points, 6.9 MB, and 270 MB); 48 leaves a margin.
	if err := budget.Check(fmt.Sprintf("%d bytes of %s", len(b), strings.ToUpper(format)), budget.Mul(int64(len(b)), 48)); err != nil {
		return nil, err
	}
	return Decode(b, format)
}

// Decode checks the bounds of a YAML or TOML document (format "yaml" or "toml") and decodes
// it into a map; an empty document gives an empty map. Integers stay integers (int or int64,
// uint64 for YAML integers beyond int64), so that a seed 2⁵³ + 1 is not rounded. Errors are
// one line.
func Decode(b []byte, format string) (map[string]any, error) {
	if len(b) > MaxBytes {
		return nil, fmt.Errorf("more than %d bytes (at most 64 MiB)", MaxBytes)
	}
	var err error
	switch format {
	case "yaml":
		err = yamlBounds(b)
	case "toml":
		err = tomlBounds(b)
	default:
		return nil, fmt.Errorf("unknown format %q (want yaml or toml)", format)
	}
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	switch format {
	case "yaml":
		// Through a node tree, to check the tables before the decoder compares every pair of
		// their keys.
		var doc yaml.Node
		err = yaml.NewDecoder(bytes.NewReader(b)).Decode(&doc)
		switch {
		case errors.Is(err, io.EOF):
			err = nil // an empty document
		case err == nil:
			var aliases bool
			if aliases, err = yamlTables(&doc); err == nil {
				m, err = yamlMap(&doc, aliases)
			}
		}
	case "toml":
		_, err = toml.Decode(string(b), &m)
	}
	if err != nil {
		return nil, errors.New(oneLine(err.Error()))
	}
	if m == nil {
		m = map[string]any{} // a YAML document "~" or "null"
	}
	if d := depth(m); d > MaxDepth {
		return nil, fmt.Errorf("values nested more than %d levels deep", MaxDepth)
	}
	return m, nil
}

// tooMany is the error of a document with more than MaxItems items.
func tooMany(n int) error {
	return fmt.Errorf("more than %d items (%d commas, brackets, keys and lines): write a long list of starting points as one string \"w1,w2; w1,w2; …\"", MaxItems, n)
}

// yamlBounds counts the items of a YAML document: every comma, opening bracket, colon, line
// and block entry ("- ", "? ") can start a node, wherever it stands (inside a quoted string it
// counts too: the count only has to be an upper bound). Nesting is bounded by the decoder
// itself (10⁴ levels, with little memory and stack) and checked again on the decoded value.
func yamlBounds(b []byte) error {
	n := 1
	for i, c := range b {
		switch c {
		case ',', '[', '{', ':', '\n':
			n++
		case '-', '?':
			if i+1 == len(b) || b[i+1] == ' ' || b[i+1] == '\n' || b[i+1] == '\t' || b[i+1] == '\r' {
				n++
			}
		}
	}
	if n > MaxItems {
		return tooMany(n)
	}
	return nil
}

// yamlTables checks, without recursion, that no table of a YAML node tree has more than
// MaxKeys keys or a key twice (the decoder finds a repeated key by comparing every pair, in
// time quadratic in the keys).
func yamlTables(doc *yaml.Node) (aliases bool, err error) {
	stack := []*yaml.Node{doc}
	type key struct {
		kind  yaml.Kind
		value string
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		aliases = aliases || n.Kind == yaml.AliasNode
		if n.Kind == yaml.MappingNode {
			if len(n.Content)/2 > MaxKeys {
				return false, fmt.Errorf("line %d: a table of %d keys (at most %d)", n.Line, len(n.Content)/2, MaxKeys)
			}
			lines := make(map[key]int, len(n.Content)/2)
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				if k.Kind != yaml.ScalarNode {
					continue // a table or list as a key: the decoder refuses it for a map of strings
				}
				if l, dup := lines[key{k.Kind, k.Value}]; dup {
					return false, fmt.Errorf("line %d: key %q is already defined at line %d", k.Line, k.Value, l)
				}
				lines[key{k.Kind, k.Value}] = k.Line
			}
		}
		stack = append(stack, n.Content...)
	}
	return aliases, nil
}

// yamlMap decodes a YAML document into a map as the decoder would, letting go of the node tree
// as the values are made (the tree and the values at once were half the memory of a large
// list). Plain lists, tables of names and the plain scalars of the usual kinds are made here;
// anything else (tags, merge keys, a document with aliases, whose anchors must stay whole)
// goes to the decoder.
func yamlMap(doc *yaml.Node, aliases bool) (map[string]any, error) {
	var m map[string]any
	if aliases || len(doc.Content) != 1 || !stringTable(doc.Content[0]) {
		err := doc.Decode(&m)
		return m, err
	}
	v, err := yamlValue(doc.Content[0])
	if err != nil {
		return nil, err
	}
	return v.(map[string]any), nil
}

// stringTable reports whether n is a table, untagged, whose keys are all names (the decoder
// makes other tables maps of any keys).
func stringTable(n *yaml.Node) bool {
	if n.Kind != yaml.MappingNode || n.Tag != "!!map" && n.Tag != "" || n.Style&yaml.TaggedStyle != 0 {
		return false
	}
	for i := 0; i < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str" {
			return false
		}
	}
	return true
}

// yamlValue makes the value of node n as the decoder would make it for an interface.
func yamlValue(n *yaml.Node) (any, error) {
	plain := n.Style&yaml.TaggedStyle == 0 && (n.Tag == "" || n.Tag == n.ShortTag())
	switch {
	case n.Kind == yaml.SequenceNode && plain && n.ShortTag() == "!!seq":
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, err := yamlValue(c)
			if err != nil {
				return nil, err
			}
			out[i] = v
			n.Content[i] = nil // made: let the node go
		}
		return out, nil
	case n.Kind == yaml.MappingNode && plain && stringTable(n):
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := yamlValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			out[n.Content[i].Value] = v
			n.Content[i+1] = nil
		}
		return out, nil
	case n.Kind == yaml.ScalarNode && n.Style&(yaml.TaggedStyle) == 0:
		switch n.ShortTag() {
		case "!!str":
			return n.Value, nil
		case "!!null":
			return nil, nil
		case "!!int":
			if decimal(n.Value) {
				if i, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
					if i != int64(int(i)) {
						return i, nil // beyond an int of 32 bits, an int64 as the decoder gives it
					}
					return int(i), nil
				}
			}
		case "!!float":
			// The decoder's float is strconv.ParseFloat of the text with any '_' taken out, or
			// one of .inf, .nan and their spellings: the same number for a text of digits,
			// signs, points and exponents only.
			if strings.Trim(n.Value, "0123456789+-.eE") == "" {
				if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
					return f, nil
				}
			}
		}
	}
	var v any
	err := n.Decode(&v)
	return v, err
}

// decimal reports whether s is a decimal integer without leading zeros ("0777" is octal to
// the decoder), optionally signed.
func decimal(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	if s == "" || s[0] == '0' && len(s) > 1 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// tomlBounds checks the nesting of brackets and the parts of dotted keys, and counts the items
// of a TOML document, outside its strings and comments: commas, opening brackets, equals
// signs, lines, and the dots of keys (a dotted key makes a table per dot; a dot in a number
// makes nothing).
func tomlBounds(b []byte) error {
	n, line := 1, 1
	// What encloses the current place: '[' an array, '{' an inline table, 'h' a table header.
	var enclosing []byte
	top := func() byte {
		if len(enclosing) == 0 {
			return 0
		}
		return enclosing[len(enclosing)-1]
	}
	key := true // reading a key (at a line's start, in a header, in an inline table before '=')
	dots := 0   // the dots of the key being read
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '\n':
			n++
			line++
			dots = 0
			key = len(enclosing) == 0
		case '#':
			for i+1 < len(b) && b[i+1] != '\n' {
				i++
			}
		case '"', '\'':
			i = skipString(b, i, &line)
		case '=':
			n++
			dots, key = 0, false
		case '[', '{':
			n++
			dots = 0
			switch {
			case c == '{':
				key = true
			case key && (len(enclosing) == 0 || top() == 'h'):
				c = 'h'
			default:
				key = false
			}
			if enclosing = append(enclosing, c); len(enclosing) > MaxDepth {
				return fmt.Errorf("line %d: arrays and tables nested more than %d levels deep", line, MaxDepth)
			}
		case ']', '}':
			dots = 0
			if len(enclosing) > 0 {
				enclosing = enclosing[:len(enclosing)-1]
			}
			key = top() == 'h'
		case ',':
			n++
			dots = 0
			key = top() == '{'
		case '.':
			if key {
				n++
				if dots++; dots >= MaxDepth {
					return fmt.Errorf("line %d: a dotted key of more than %d parts", line, MaxDepth)
				}
			}
		}
	}
	if n > MaxItems {
		return tooMany(n)
	}
	return nil
}

// skipString returns the index of the last byte of the TOML string that starts at b[i]: a
// basic string in double quotes (backslash escapes), a literal string in single quotes, or
// their multi-line forms between three quotes of either kind (which may end in up to two more
// quotes). A single-line string also ends at a newline, where the decoder reports it
// unterminated. line counts the newlines crossed.
func skipString(b []byte, i int, line *int) int {
	q := b[i]
	if i+2 < len(b) && b[i+1] == q && b[i+2] == q {
		for j := i + 3; j < len(b); j++ {
			switch {
			case b[j] == '\\' && q == '"':
				if j+1 < len(b) && b[j+1] == '\n' {
					*line++
				}
				j++
			case b[j] == '\n':
				*line++
			case b[j] == q && j+2 < len(b) && b[j+1] == q && b[j+2] == q:
				j += 2
				for k := 0; k < 2 && j+1 < len(b) && b[j+1] == q; k++ {
					j++
				}
				return j
			}
		}
		return len(b) - 1
	}
	for j := i + 1; j < len(b); j++ {
		switch {
		case b[j] == '\\' && q == '"':
			if j+1 < len(b) && b[j+1] == '\n' {
				return j // unterminated: the newline is the decoder's to report
			}
			j++
		case b[j] == q:
			return j
		case b[j] == '\n':
			return j - 1
		}
	}
	return len(b) - 1
}

// depth returns the nesting depth of a decoded value (1 for a map of scalars), without
// recursion.
func depth(v any) int {
	type item struct {
		v any
		d int
	}
	most := 0
	stack := []item{{v, 1}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch x := it.v.(type) {
		case map[string]any:
			most = max(most, it.d)
			if it.d > MaxDepth {
				return it.d
			}
			for _, e := range x {
				stack = append(stack, item{e, it.d + 1})
			}
		case []any:
			most = max(most, it.d)
			if it.d > MaxDepth {
				return it.d
			}
			for _, e := range x {
				stack = append(stack, item{e, it.d + 1})
			}
		case []map[string]any:
			most = max(most, it.d)
			if it.d > MaxDepth {
				return it.d
			}
			for _, e := range x {
				stack = append(stack, item{e, it.d + 1})
			}
		}
	}
	return most
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
