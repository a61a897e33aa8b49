// Reference renderer for @courier/go-template's differential tests.
//
// Reads one JSON request per line on stdin and writes one JSON response per
// line on stdout. A request is
//
//	{"templates": [{"name": "a.tmpl", "source": "..."}], "entry": "a.tmpl",
//	 "data": <json>, "html": false, "ints": true}
//
// Templates are parsed Kratos-style: New(first name).Funcs(sprig hermetic map)
// then each source is parsed as a template named by its name (ParseFiles
// semantics). With "ints", JSON numbers that are integers become int and the
// rest float64 (the package's default number mapping); otherwise all are float64.
// The response is {"ok": true, "out": "..."} or {"ok": false, "phase":
// "parse"|"exec", "err": "..."}; a partial output before an exec error is
// returned in "out" too.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	htmpl "html/template"
	"math"
	"os"
	ttmpl "text/template"

	"github.com/Masterminds/sprig"
)

type tmplSrc struct {
	Name   string `json:"name"`
	Source string `json:"source"`
}

type request struct {
	Templates []tmplSrc       `json:"templates"`
	Entry     string          `json:"entry"`
	Data      json.RawMessage `json:"data"`
	HTML      bool            `json:"html"`
	Floats    bool            `json:"floats"`
}

type response struct {
	OK    bool   `json:"ok"`
	Out   string `json:"out"`
	Phase string `json:"phase,omitempty"`
	Err   string `json:"err,omitempty"`
}

func convert(v interface{}, floats bool) interface{} {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return x.String()
		}
		if !floats && f == math.Trunc(f) && math.Abs(f) < 1<<53 && !bytes.ContainsAny([]byte(x.String()), ".eE") {
			return int(f)
		}
		return f
	case map[string]interface{}:
		for k, e := range x {
			x[k] = convert(e, floats)
		}
		return x
	case []interface{}:
		for i, e := range x {
			x[i] = convert(e, floats)
		}
		return x
	}
	return v
}

func run(req request) (resp response) {
	defer func() {
		if r := recover(); r != nil {
			resp = response{OK: false, Phase: "panic", Err: "panic"}
		}
	}()
	var data interface{}
	if len(req.Data) > 0 {
		dec := json.NewDecoder(bytes.NewReader(req.Data))
		dec.UseNumber()
		if err := dec.Decode(&data); err != nil {
			return response{Phase: "data", Err: err.Error()}
		}
		data = convert(data, req.Floats)
	}
	var buf bytes.Buffer
	if len(req.Templates) == 0 {
		return response{Phase: "parse", Err: "no templates"}
	}
	if req.HTML {
		t := htmpl.New(req.Templates[0].Name).Funcs(sprig.HermeticHtmlFuncMap())
		for _, s := range req.Templates {
			var tt *htmpl.Template
			if s.Name == t.Name() {
				tt = t
			} else {
				tt = t.New(s.Name)
			}
			if _, err := tt.Parse(s.Source); err != nil {
				return response{Phase: "parse", Err: err.Error()}
			}
		}
		if err := t.ExecuteTemplate(&buf, req.Entry, data); err != nil {
			return response{Phase: "exec", Err: err.Error(), Out: buf.String()}
		}
	} else {
		t := ttmpl.New(req.Templates[0].Name).Funcs(sprig.HermeticTxtFuncMap())
		for _, s := range req.Templates {
			var tt *ttmpl.Template
			if s.Name == t.Name() {
				tt = t
			} else {
				tt = t.New(s.Name)
			}
			if _, err := tt.Parse(s.Source); err != nil {
				return response{Phase: "parse", Err: err.Error()}
			}
		}
		if err := t.ExecuteTemplate(&buf, req.Entry, data); err != nil {
			return response{Phase: "exec", Err: err.Error(), Out: buf.String()}
		}
	}
	return response{OK: true, Out: buf.String()}
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			enc.Encode(response{Phase: "request", Err: err.Error()})
		} else {
			enc.Encode(run(req))
		}
		out.Flush()
	}
}
