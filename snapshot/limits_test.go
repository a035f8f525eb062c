package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestCheckJSON(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name      string
		doc       string
		max       int
		wantErr   string // "" accepts
		wantLine  int
		wantCol   int
		wantLimit bool
	}{
		{name: "flat", doc: `{"a": 1, "b": [true, null, "x"]}`, max: 4},
		{name: "at the bound", doc: deep(4), max: 4},
		{name: "one level too deep", doc: "{\"a\":\n  " + deep(4) + "}", max: 4, wantErr: "nested more than 4 levels", wantLine: 2, wantCol: 6, wantLimit: true},
		{name: "very deep", doc: deep(100000), max: MaxEnvelopeDepth, wantErr: "nested more than 80 levels", wantLine: 1, wantCol: 81, wantLimit: true},
		{name: "brackets inside strings do not nest", doc: `{"a": "[[[[[[[[", "b\"[[[[": "{{{{{{"}`, max: 2},
		{name: "same key in sibling objects", doc: `[{"a": 1}, {"a": 2}, {"x": {"a": 1}, "a": 3}]`, max: 4},
		{name: "duplicate key", doc: "{\"a\": 1,\n \"b\": 2,\n \"a\": 3}", max: 4, wantErr: "duplicate key", wantLine: 3, wantCol: 2},
		{name: "duplicate key after a nested object", doc: `{"a": {"a": 1, "b": 2}, "a": 3}`, max: 4, wantErr: "duplicate key", wantLine: 1, wantCol: 25},
		{name: "duplicate key spelled with an escape", doc: `{"ab": 1, "\u0061b": 2}`, max: 4, wantErr: "duplicate key", wantLine: 1, wantCol: 11},
		{name: "duplicate among many keys", doc: manyKeys(100) + `, "k7": 1}`, max: 4, wantErr: "duplicate key"},
		{name: "many distinct keys", doc: manyKeys(100) + `}`, max: 4},
		{name: "escaped quote before the end", doc: `{"a\\": 1, "a\\\"": 2, "a": 3}`, max: 4},
		{name: "long number", doc: `{"n": ` + strings.Repeat("7", 1000000) + `}`, max: 4, wantErr: "number of 1000000 characters", wantLine: 1, wantCol: 7, wantLimit: true},
		{name: "number at the bound", doc: `{"n": ` + strings.Repeat("7", MaxNumberLen) + `}`, max: 4},
		{name: "syntax errors are the decoder's", doc: `{"a": 1 x "a": 2}`, max: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckJSON([]byte(tt.doc), "f.json", tt.max)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(ie.Msg, tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if tt.wantLine > 0 && (ie.Line != tt.wantLine || ie.Col != tt.wantCol) {
				t.Errorf("at %d:%d, want %d:%d", ie.Line, ie.Col, tt.wantLine, tt.wantCol)
			}
			if errors.Is(err, ErrLimit) != tt.wantLimit {
				t.Errorf("errors.Is(ErrLimit) = %v, want %v", !tt.wantLimit, tt.wantLimit)
			}
		})
	}
}

func manyKeys(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, `"k%d": %d`, i, i)
	}
	return b.String()
}

func TestCheckUTF8(t *testing.T) {
	err := CheckUTF8([]byte("a: 1\nb: caf\xe9\n"), "c.yaml")
	var ie *InputError
	if !errors.As(err, &ie) || ie.Line != 2 || ie.Col != 7 || !strings.Contains(ie.Msg, "not UTF-8") {
		t.Fatalf("err = %v, want c.yaml:2:7: not UTF-8", err)
	}
	if err := CheckUTF8([]byte("b: café\n"), "c.yaml"); err != nil {
		t.Fatal(err)
	}
}

// TestDecodeRejectsHostileInput: what JSON decoders accept silently (a
// repeated key, bytes that are not UTF-8) or without bound (nesting,
// number length) is rejected with its position.
func TestDecodeRejectsHostileInput(t *testing.T) {
	head := `{"schema": 1, "environment": "prod", "resources": [` + "\n"
	res := func(attrs string) string {
		return head + `{"type": "a.b.c", "name": "x", "attrs": ` + attrs + "}]}"
	}
	tests := []struct {
		name      string
		doc       string
		line, col int
		msg       string
	}{
		{"repeated top-level field", `{"schema": 1, "environment": "prod",` + "\n" + `"environment": "staging", "resources": []}`, 2, 1, "duplicate key"},
		{"repeated attribute", res(`{"replicas": 3, "replicas": 1}`), 2, 57, "duplicate key"},
		{"invalid UTF-8", res("{\"s\": \"caf\xe9\"}"), 2, 51, "not UTF-8"},
		{"nested 9,990 deep", res(strings.Repeat("[", 9990) + strings.Repeat("]", 9990)), 2, 41 + MaxEnvelopeDepth - 3, "nested more than 80 levels"},
		{"a 1,000,000-digit number", res(`{"n": ` + strings.Repeat("9", 1000000) + `}`), 2, 47, "number of 1000000 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, decode := range []func([]byte, string) error{
				func(d []byte, f string) error { _, err := Decode(d, f); return err },
				func(d []byte, f string) error { _, err := DecodeResources(d, f); return err },
			} {
				err := decode([]byte(tt.doc), "s.json")
				var ie *InputError
				if !errors.As(err, &ie) || ie.Line != tt.line || ie.Col != tt.col || !strings.Contains(ie.Msg, tt.msg) {
					t.Fatalf("err = %v, want s.json:%d:%d: %s", err, tt.line, tt.col, tt.msg)
				}
			}
		})
	}
}

func TestDecodeAcceptsByteOrderMark(t *testing.T) {
	s, err := Decode([]byte("\xef\xbb\xbf"+`{"schema": 1, "environment": "prod", "resources": []}`), "s.json")
	if err != nil || s.Environment != "prod" {
		t.Fatalf("Decode = %v, %v", s, err)
	}
}

// FuzzCheckJSON compares the hand-written scan with a reference built on
// encoding/json's tokens: on every valid JSON document they agree on
// repeated keys, nesting and long numbers.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{`{"a": 1, "a": 2}`, `{"a": {"b": 1}, "b": 2}`, `{"a\"": 1, "a": 2}`, `{"\u0061": 1, "a": 2}`, `[[[[1]]]]`, `{"n": 123456789012345678901234567890}`, `"x"`, `[{"a": 1}, {"a": 1}]`, `{"a\\": 1, "a\\\\": 2}`} {
		f.Add([]byte(s), 3)
	}
	f.Fuzz(func(t *testing.T, data []byte, maxDepth int) {
		if maxDepth < 1 || maxDepth > 10 || !json.Valid(data) {
			return
		}
		got := CheckJSON(data, "f.json", maxDepth)
		want := referenceCheck(data, maxDepth)
		if (got == nil) != (want == "") || (got != nil && !strings.Contains(got.Error(), want)) {
			t.Fatalf("CheckJSON = %v, reference says %q", got, want)
		}
	})
}

// referenceCheck finds the first problem CheckJSON reports, in document
// order: "duplicate key", "nested more than", "number of".
func referenceCheck(data []byte, maxDepth int) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		object bool
		keys   map[string]bool
		key    bool // the next string is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		isKey := top != nil && top.object && top.key
		if top != nil && top.object {
			top.key = !top.key
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if len(stack) >= maxDepth {
					return "nested more than"
				}
				stack = append(stack, &frame{object: v == '{', keys: map[string]bool{}, key: true})
			default:
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].key = true
				}
			}
		case string:
			if isKey {
				if top.keys[v] {
					return "duplicate key"
				}
				top.keys[v] = true
			}
		case json.Number:
			if len(v) > MaxNumberLen {
				return "number of"
			}
		}
	}
}

// TestValidateResourceBounds: a resource built in code (from a response
// body, say) that a snapshot could not hold is refused before it is
// written.
func TestValidateResourceBounds(t *testing.T) {
	var deep any = "x"
	for i := 0; i < MaxAttrDepth+1; i++ {
		deep = []any{deep}
	}
	var ok any = "x"
	for i := 0; i < MaxAttrDepth; i++ {
		ok = map[string]any{"k": ok}
	}
	for _, tt := range []struct {
		attrs map[string]any
		want  string
	}{
		{map[string]any{"body": deep}, `resource a.b.c "x": attrs.body: nested more than 76 levels`},
		{map[string]any{"n": json.Number(strings.Repeat("1", 200))}, `attrs.n: number of 200 characters`},
		{map[string]any{"ok": ok, "n": json.Number("12")}, ""},
	} {
		r := Resource{Type: "a.b.c", Name: "x", Attrs: tt.attrs}
		err := ValidateResource(&r)
		if tt.want == "" {
			if err != nil {
				t.Errorf("rejected: %v", err)
			}
			// What is accepted reads back from a snapshot.
			var buf bytes.Buffer
			if err := Encode(&buf, &Snapshot{Schema: SchemaVersion, Environment: "prod", Resources: []Resource{r}}); err != nil {
				t.Fatal(err)
			}
			if _, err := Decode(buf.Bytes(), "s.json"); err != nil {
				t.Errorf("a resource ValidateResource accepts does not read back: %v", err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("err = %v, want %q", err, tt.want)
		}
	}
}
