package awsfake

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// jsonProtocol is awsJson 1.1: POST /, X-Amz-Target: <prefix>.<Action>,
// errors as {"__type": code, "message": …} with X-Amzn-ErrorType.
type jsonProtocol struct{ targetPrefix string }

func (p jsonProtocol) action(r *http.Request, body []byte) (string, error) {
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		return "", fmt.Errorf("content type %q is not application/x-amz-json-1.1", ct)
	}
	a, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), p.targetPrefix+".")
	if !ok {
		return "", fmt.Errorf("X-Amz-Target %q is not %s.<Action>", r.Header.Get("X-Amz-Target"), p.targetPrefix)
	}
	if len(body) > 0 && !json.Valid(body) {
		return "", fmt.Errorf("request body is not JSON")
	}
	return a, nil
}

func (jsonProtocol) writeResult(w http.ResponseWriter, _ string, out any) {
	b, err := json.Marshal(out)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_, _ = w.Write(b)
}

func (jsonProtocol) writeError(w http.ResponseWriter, e *Error, rid string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", rid)
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.WriteHeader(e.Status)
	b, _ := json.Marshal(map[string]string{"__type": e.Code, "message": e.Message})
	_, _ = w.Write(b)
}

// cborProtocol is Smithy RPC v2 CBOR: POST /service/<svc>/operation/<Op>,
// Smithy-Protocol: rpc-v2-cbor, errors as a CBOR map {"__type", "message"}
// plus x-amzn-query-error for awsQuery-compatible services.
type cborProtocol struct{ service string }

var cborEnc = func() cbor.EncMode {
	m, err := cbor.EncOptions{Time: cbor.TimeUnixDynamic, TimeTag: cbor.EncTagRequired}.EncMode()
	if err != nil {
		panic(err)
	}
	return m
}()

func (p cborProtocol) action(r *http.Request, body []byte) (string, error) {
	if r.Header.Get("Smithy-Protocol") != "rpc-v2-cbor" {
		return "", fmt.Errorf("Smithy-Protocol header %q is not rpc-v2-cbor", r.Header.Get("Smithy-Protocol"))
	}
	a, ok := strings.CutPrefix(r.URL.Path, "/service/"+p.service+"/operation/")
	if !ok || a == "" {
		return "", fmt.Errorf("path %q is not /service/%s/operation/<Op>", r.URL.Path, p.service)
	}
	if len(body) > 0 {
		var v any
		if err := cbor.Unmarshal(body, &v); err != nil {
			return "", fmt.Errorf("request body is not CBOR: %v", err)
		}
	}
	return a, nil
}

func (cborProtocol) writeResult(w http.ResponseWriter, _ string, out any) {
	b, err := cborEnc.Marshal(out)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	_, _ = w.Write(b)
}

func (cborProtocol) writeError(w http.ResponseWriter, e *Error, rid string) {
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("X-Amzn-RequestId", rid)
	if e.QueryCode != "" {
		fault := "Sender"
		if e.Server {
			fault = "Receiver"
		}
		w.Header().Set("X-Amzn-Query-Error", e.QueryCode+";"+fault)
	}
	w.WriteHeader(e.Status)
	b, _ := cborEnc.Marshal(map[string]string{"__type": e.Code, "message": e.Message})
	_, _ = w.Write(b)
}

// queryProtocol is awsQuery (CloudFormation) and, with ec2 set, ec2Query:
// form-encoded Action=…; XML answers wrapped in <ActionResponse>; errors as
// <ErrorResponse><Error>… (awsQuery) or <Response><Errors><Error>… (EC2).
type queryProtocol struct {
	xmlns string
	ec2   bool
}

func (p queryProtocol) action(r *http.Request, body []byte) (string, error) {
	f := parseForm(body)
	if f == nil || len(f["Action"]) != 1 {
		return "", fmt.Errorf("no Action in the form body")
	}
	if len(f["Version"]) != 1 {
		return "", fmt.Errorf("no Version in the form body")
	}
	return f["Action"][0], nil
}

func (p queryProtocol) writeResult(w http.ResponseWriter, action string, out any) {
	inner, err := xml.Marshal(out)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	var b strings.Builder
	b.WriteString(xml.Header)
	if p.ec2 {
		fmt.Fprintf(&b, `<%sResponse xmlns="%s"><requestId>fake-request</requestId>%s</%sResponse>`, action, p.xmlns, inner, action)
	} else {
		fmt.Fprintf(&b, `<%sResponse xmlns="%s"><%sResult>%s</%sResult><ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata></%sResponse>`,
			action, p.xmlns, action, inner, action, action)
	}
	_, _ = w.Write([]byte(b.String()))
}

func (p queryProtocol) writeError(w http.ResponseWriter, e *Error, rid string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(e.Status)
	esc := func(s string) string {
		var b strings.Builder
		_ = xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	if p.ec2 {
		fmt.Fprintf(w, `%s<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>`,
			xml.Header, esc(e.Code), esc(e.Message), rid)
		return
	}
	typ := "Sender"
	if e.Server {
		typ = "Receiver"
	}
	fmt.Fprintf(w, `%s<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`,
		xml.Header, p.xmlns, typ, esc(e.Code), esc(e.Message), rid)
}

// epoch marshals a time as awsJson does: seconds since the epoch, a number.
type epoch time.Time

func (t epoch) MarshalJSON() ([]byte, error) {
	if time.Time(t).IsZero() {
		return []byte("null"), nil
	}
	s := float64(time.Time(t).UnixMilli()) / 1000
	return []byte(fmt.Sprintf("%.3f", math.Round(s*1000)/1000)), nil
}

func decodeJSON(req *Request, v any) error {
	if len(req.Body) == 0 {
		return nil
	}
	if err := json.Unmarshal(req.Body, v); err != nil {
		return &Error{Status: 400, Code: "SerializationException", Message: err.Error()}
	}
	return nil
}

func decodeCBOR(req *Request, v any) error {
	if len(req.Body) == 0 {
		return nil
	}
	if err := cbor.Unmarshal(req.Body, v); err != nil {
		return &Error{Status: 400, Code: "SerializationException", Message: err.Error()}
	}
	return nil
}

// jsonPage answers a JSON list call: one page of items under key, and the
// next token under tokenKey (NextToken; nextToken for CloudWatch Logs) when
// more follow.
func jsonPage[T any](items []T, token string, size int, key, tokenKey string) (any, error) {
	pg, next, err := page(items, token, size)
	if err != nil {
		return nil, err
	}
	out := map[string]any{key: pg}
	if next != "" {
		out[tokenKey] = next
	}
	return out, nil
}

// page slices items for NextToken pagination: the token is the next index.
func page[T any](items []T, token string, size int) ([]T, string, error) {
	start := 0
	if token != "" {
		if _, err := fmt.Sscanf(token, "fake-%d", &start); err != nil || start < 0 || start > len(items) {
			return nil, "", &Error{Status: 400, Code: "InvalidNextToken", Message: "The specified nextToken is invalid."}
		}
	}
	end := min(start+size, len(items))
	next := ""
	if end < len(items) {
		next = fmt.Sprintf("fake-%d", end)
	}
	return items[start:end], next, nil
}
