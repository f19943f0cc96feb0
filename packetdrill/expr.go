package packetdrill

// System-call lines and their argument expressions:
//
//	[...END] name(arg, ...) = result [ERRNO] [(note)]
//
// An argument is "...", an integer, a symbol (SO_REUSEADDR), a string, a
// list [1], a brace group {onoff=1, linger=0}, a symbol with arguments
// (htons(8080), msg_iov(1)), a field assignment name=expr inside braces,
// or an OR of those (O_RDWR|O_NONBLOCK).

import (
	"fmt"
	"strconv"
	"strings"
)

// ExprKind is the kind of an argument expression.
type ExprKind uint8

const (
	ExprEllipsis ExprKind = iota
	ExprInt
	ExprWord
	ExprString
	ExprList   // [a, b]
	ExprStruct // {a, b}
	ExprCall   // word(args)
	ExprAssign // word=expr
	ExprOr     // a|b|c
)

// Expr is a parsed argument or result.
type Expr struct {
	Kind ExprKind
	Int  int64
	// Word is the symbol, the string's contents, or the called or
	// assigned name.
	Word  string
	Elems []*Expr
}

func (e *Expr) String() string {
	switch e.Kind {
	case ExprEllipsis:
		return "..."
	case ExprInt:
		return strconv.FormatInt(e.Int, 10)
	case ExprWord:
		return e.Word
	case ExprString:
		return strconv.Quote(e.Word)
	case ExprAssign:
		return e.Word + "=" + e.Elems[0].String()
	case ExprOr:
		return joinExprs(e.Elems, "|")
	case ExprList:
		return "[" + joinExprs(e.Elems, ", ") + "]"
	case ExprStruct:
		return "{" + joinExprs(e.Elems, ", ") + "}"
	case ExprCall:
		return e.Word + "(" + joinExprs(e.Elems, ", ") + ")"
	}
	return "?"
}

func joinExprs(es []*Expr, sep string) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.String()
	}
	return strings.Join(s, sep)
}

// token is a lexical token of a system-call line.
type token struct {
	kind byte // 'n' number, 'w' word, 's' string, '.' ellipsis, or the punctuation itself
	text string
}

func lexSyscall(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.HasPrefix(s[i:], "..."):
			out = append(out, token{'.', "..."})
			i += 3
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated string")
			}
			u, err := strconv.Unquote(s[i : j+1])
			if err != nil {
				u = s[i+1 : j]
			}
			out = append(out, token{'s', u})
			i = j + 1
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			j := i
			for j < len(s) && (isWordByte(s[j]) || s[j] == '.' && !strings.HasPrefix(s[j:], "...")) {
				j++
			}
			out = append(out, token{'n', s[i:j]})
			i = j
		case isWordByte(c):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			out = append(out, token{'w', s[i:j]})
			i = j
		case strings.ContainsRune("()[]{},=|-", rune(c)):
			out = append(out, token{c, string(c)})
			i++
		default:
			return nil, fmt.Errorf("unexpected %q", c)
		}
	}
	return out, nil
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

type exprParser struct {
	toks []token
	pos  int
}

func (p *exprParser) peek() byte {
	if p.pos < len(p.toks) {
		return p.toks[p.pos].kind
	}
	return 0
}

func (p *exprParser) next() token {
	t := p.toks[p.pos]
	p.pos++
	return t
}

func (p *exprParser) expect(k byte) error {
	if p.peek() != k {
		return fmt.Errorf("expected %q at %s", k, p.where())
	}
	p.pos++
	return nil
}

func (p *exprParser) where() string {
	if p.pos >= len(p.toks) {
		return "end of line"
	}
	return strconv.Quote(p.toks[p.pos].text)
}

// list parses expressions separated by commas up to the closer.
func (p *exprParser) list(closer byte) ([]*Expr, error) {
	var out []*Expr
	if p.peek() == closer {
		p.pos++
		return out, nil
	}
	for {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		out = append(out, e)
		switch p.peek() {
		case ',':
			p.pos++
		case closer:
			p.pos++
			return out, nil
		default:
			return nil, fmt.Errorf("expected ',' or %q at %s", closer, p.where())
		}
	}
}

func (p *exprParser) expr() (*Expr, error) {
	e, err := p.primary()
	if err != nil {
		return nil, err
	}
	if p.peek() != '|' {
		return e, nil
	}
	or := &Expr{Kind: ExprOr, Elems: []*Expr{e}}
	for p.peek() == '|' {
		p.pos++
		e, err := p.primary()
		if err != nil {
			return nil, err
		}
		or.Elems = append(or.Elems, e)
	}
	return or, nil
}

func (p *exprParser) primary() (*Expr, error) {
	switch p.peek() {
	case 0:
		return nil, fmt.Errorf("expression expected at end of line")
	case '.':
		p.pos++
		return &Expr{Kind: ExprEllipsis}, nil
	case '-':
		p.pos++
		if p.peek() != 'n' {
			return nil, fmt.Errorf("number expected after '-'")
		}
		e, err := p.primary()
		if err != nil {
			return nil, err
		}
		e.Int = -e.Int
		return e, nil
	case 'n':
		t := p.next()
		v, err := strconv.ParseInt(t.text, 0, 64)
		if err != nil {
			u, uerr := strconv.ParseUint(t.text, 0, 64)
			if uerr != nil {
				return nil, fmt.Errorf("bad number %q", t.text)
			}
			v = int64(u)
		}
		return &Expr{Kind: ExprInt, Int: v}, nil
	case 's':
		t := p.next()
		if p.peek() == '.' { // "abc"... : a string prefix
			p.pos++
		}
		return &Expr{Kind: ExprString, Word: t.text}, nil
	case '[':
		p.pos++
		el, err := p.list(']')
		if err != nil {
			return nil, err
		}
		return &Expr{Kind: ExprList, Elems: el}, nil
	case '{':
		p.pos++
		el, err := p.list('}')
		if err != nil {
			return nil, err
		}
		return &Expr{Kind: ExprStruct, Elems: el}, nil
	case 'w':
		t := p.next()
		switch p.peek() {
		case '(':
			p.pos++
			el, err := p.list(')')
			if err != nil {
				return nil, err
			}
			e := &Expr{Kind: ExprCall, Word: t.text, Elems: el}
			if p.peek() == '=' { // msg_iov(1)=[...]
				p.pos++
				v, err := p.expr()
				if err != nil {
					return nil, err
				}
				return &Expr{Kind: ExprAssign, Word: e.String(), Elems: []*Expr{v}}, nil
			}
			return e, nil
		case '=':
			p.pos++
			v, err := p.expr()
			if err != nil {
				return nil, err
			}
			return &Expr{Kind: ExprAssign, Word: t.text, Elems: []*Expr{v}}, nil
		}
		return &Expr{Kind: ExprWord, Word: t.text}, nil
	}
	return nil, fmt.Errorf("unexpected %s", p.where())
}

// parseSyscall reads a system-call statement after its time.
func parseSyscall(s string) (*SyscallSpec, error) {
	sc := &SyscallSpec{}
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "...") {
		end, rest, err := scanSeconds(strings.TrimLeft(s[3:], " \t"))
		if err != nil {
			return nil, fmt.Errorf("end time after '...': %v", err)
		}
		sc.EndUs, sc.HasEnd = end, true
		s = rest
	}
	// The '=' that separates the result is the first one outside
	// brackets and strings; the note in parentheses after the result is
	// free text.
	depth := 0
	eq := -1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case '"':
			if j := strings.IndexByte(s[i+1:], '"'); j >= 0 {
				i += j + 1
			}
		case '=':
			if depth == 0 && eq < 0 {
				eq = i
			}
		}
	}
	if eq < 0 {
		return nil, fmt.Errorf("a system call needs '= result'")
	}
	call, result := s[:eq], strings.TrimSpace(s[eq+1:])
	toks, err := lexSyscall(call)
	if err != nil {
		return nil, err
	}
	p := &exprParser{toks: toks}
	if p.peek() != 'w' {
		return nil, fmt.Errorf("system call name expected at %s", p.where())
	}
	sc.Name = p.next().text
	if err := p.expect('('); err != nil {
		return nil, err
	}
	if sc.Args, err = p.list(')'); err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("unexpected %s after the arguments", p.where())
	}
	// Result: an expression, then an optional errno word, then an optional
	// parenthesised note.
	if i := strings.IndexByte(result, '('); i >= 0 {
		sc.Note = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(result[i+1:]), ")"))
		result = result[:i]
	}
	rt, err := lexSyscall(result)
	if err != nil {
		return nil, err
	}
	rp := &exprParser{toks: rt}
	if sc.Result, err = rp.expr(); err != nil {
		return nil, fmt.Errorf("result: %v", err)
	}
	if rp.peek() == 'w' {
		sc.Errno = rp.next().text
	}
	if rp.pos != len(rp.toks) {
		return nil, fmt.Errorf("unexpected %s after the result", rp.where())
	}
	return sc, nil
}
