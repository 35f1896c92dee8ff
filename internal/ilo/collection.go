package ilo

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/tidwall/gjson"
)

// Paths into a Redfish collection.
const (
	pathMembers  = "Members"
	pathODataID  = `@odata\.id`
	pathETag     = `@odata\.etag`
	expandSuffix = "$expand=."
)

// collection reads the members of a collection: in one request with
// ?$expand=. when the service root advertises ExpandQuery, member by member
// otherwise. Members an expanded answer still leaves as bare links (a
// service that ignores $expand) are read one by one as well. It returns the
// members and the collection resource itself (for Oem data such as the
// repository's free bytes).
func (c *Client) collection(ctx context.Context, uri string) ([]gjson.Result, gjson.Result, error) {
	if uri == "" {
		return nil, gjson.Result{}, fmt.Errorf("read collection: no link to it in the iLO's resources")
	}
	get := uri
	if c.Root().Expand {
		get = withQuery(uri, expandSuffix)
	}
	resp, err := c.getObject(ctx, get)
	if err != nil {
		return nil, gjson.Result{}, err
	}
	coll := gjson.ParseBytes(resp.body)
	if n := coll.Get(pathMembers + ".#").Int(); n > int64(c.opt.maxMembers) {
		return nil, gjson.Result{}, &Error{Method: http.MethodGet, URI: uri,
			Err: refuse("the collection lists %d members, more than the %d the client reads (a real iLO's collections are far smaller)", n, c.opt.maxMembers)}
	}
	var members []gjson.Result
	var ferr error
	coll.Get(pathMembers).ForEach(func(_, m gjson.Result) bool {
		if expanded(m) {
			members = append(members, m)
			return true
		}
		id := m.Get(pathODataID).String()
		if id == "" {
			return true
		}
		mr, err := c.getObject(ctx, id)
		if IsNotFound(err) {
			return true // deleted between the two reads
		}
		if err != nil {
			ferr = err
			return false
		}
		members = append(members, gjson.ParseBytes(mr.body))
		return true
	})
	if ferr != nil {
		return nil, gjson.Result{}, ferr
	}
	return members, coll, nil
}

// expanded reports whether a Members entry carries more than its link.
func expanded(m gjson.Result) bool {
	if !m.IsObject() {
		return false
	}
	n := 0
	m.ForEach(func(k, _ gjson.Result) bool {
		if !strings.HasPrefix(k.String(), "@odata.") {
			n++
		}
		return n == 0
	})
	return n > 0
}

// withQuery appends a query parameter to a URI.
func withQuery(uri, q string) string {
	if strings.Contains(uri, "?") {
		return uri + "&" + q
	}
	return uri + "?" + q
}

// allowed reads the Allow header of uri (HEAD, falling back to GET when the
// iLO refuses HEAD). iLO lists the methods a resource accepts there, e.g.
// "GET, HEAD, PATCH, DELETE" on a repository component (reference §5.3).
func (c *Client) allowed(ctx context.Context, uri string) ([]string, error) {
	resp, err := c.send(ctx, &request{method: http.MethodHead, uri: uri})
	if e, ok := asError(err); ok && (e.Status == http.StatusMethodNotAllowed || e.Status == http.StatusNotImplemented) {
		resp, err = c.send(ctx, &request{method: http.MethodGet, uri: uri})
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, v := range resp.header.Values("Allow") {
		for _, m := range strings.Split(v, ",") {
			if m = strings.ToUpper(strings.TrimSpace(m)); m != "" {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// Allows reports whether the iLO lists method in uri's Allow header. When the
// iLO sends no Allow header at all, it returns true (nothing says no).
func (c *Client) Allows(ctx context.Context, uri, method string) (bool, error) {
	list, err := c.allowed(ctx, uri)
	if err != nil {
		return false, fmt.Errorf("read allowed methods of %s: %w", uri, err)
	}
	if len(list) == 0 {
		return true, nil
	}
	for _, m := range list {
		if m == strings.ToUpper(method) {
			return true, nil
		}
	}
	return false, nil
}
