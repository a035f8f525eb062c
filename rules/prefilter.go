package rules

import (
	"regexp"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
)

// need is a condition a change must meet for a rule's `when` to possibly
// hold, read from the condition itself: `leaf.matches('…') && …` cannot
// hold where the leaf does not match. The engine checks it before running
// CEL, once per distinct leaf name or path (memoised), so that the
// vocabulary rules (path "**" and a `when` on the leaf's name) cost a map
// lookup on the changes they cannot speak about, not a CEL evaluation.
type need struct {
	op   needOp
	re   *regexp.Regexp // with needLeaf, needPath
	kids []*need        // with needAll, needAny
}

type needOp uint8

const (
	needAll needOp = iota
	needAny
	needLeaf
	needPath
)

// needOf derives the necessary condition of a checked condition: nil when
// nothing can be said (the condition is always evaluated).
func needOf(ast *cel.Ast) *need {
	if ast == nil || ast.NativeRep() == nil {
		return nil
	}
	return needOfExpr(ast.NativeRep().Expr())
}

func needOfExpr(e celast.Expr) *need {
	if e.Kind() != celast.CallKind {
		return nil
	}
	call := e.AsCall()
	switch call.FunctionName() {
	case "_&&_":
		// Both must hold: each side's need is necessary.
		var kids []*need
		for _, a := range call.Args() {
			if n := needOfExpr(a); n != nil {
				kids = append(kids, n)
			}
		}
		switch len(kids) {
		case 0:
			return nil
		case 1:
			return kids[0]
		}
		return &need{op: needAll, kids: kids}
	case "_||_":
		// One must hold: necessary only when every side has a need.
		var kids []*need
		for _, a := range call.Args() {
			n := needOfExpr(a)
			if n == nil {
				return nil
			}
			kids = append(kids, n)
		}
		return &need{op: needAny, kids: kids}
	case "matches":
		if !call.IsMemberFunction() || len(call.Args()) != 1 {
			return nil
		}
		t, arg := call.Target(), call.Args()[0]
		if t.Kind() != celast.IdentKind || arg.Kind() != celast.LiteralKind {
			return nil
		}
		pattern, ok := arg.AsLiteral().Value().(string)
		if !ok {
			return nil
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			return nil // CEL reports it when the condition runs
		}
		switch t.AsIdent() {
		case "leaf":
			return &need{op: needLeaf, re: re}
		case "path":
			return &need{op: needPath, re: re}
		}
	}
	return nil
}

// needMemo caches a need's verdict per leaf name or path text.
type needMemo map[needKey]bool

type needKey struct {
	n *need
	s string
}

// holds evaluates the need on a change; leaf and path come lazily.
func (n *need) holds(c *change, memo needMemo) bool {
	switch n.op {
	case needAll:
		for _, k := range n.kids {
			if !k.holds(c, memo) {
				return false
			}
		}
		return true
	case needAny:
		for _, k := range n.kids {
			if k.holds(c, memo) {
				return true
			}
		}
		return false
	}
	s := c.Path
	if n.op == needLeaf {
		s = c.leafName()
	}
	key := needKey{n, s}
	v, ok := memo[key]
	if !ok {
		v = n.re.MatchString(s)
		memo[key] = v
	}
	return v
}
