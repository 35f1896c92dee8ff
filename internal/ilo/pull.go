package ilo

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Pull is the other way an image reaches the iLO, beside Push: the iLO
// fetches it from a URL (AddFromUri, SimpleUpdate). The client itself only
// asks the image server what the iLO will get.

// PullSize asks the server of each URL the iLO is to pull for the size of
// what it serves (HEAD; the sum over the URLs, the parts of a split
// component), so that a repository entry can be compared and the room
// checked before the iLO downloads anything. TLS follows the client's rule:
// no verification with SkipVerify, else CAPath alone when given, else the
// system roots.
func (c *Client) PullSize(ctx context.Context, uris []string) (int64, error) {
	tc, err := tlsConfig(c.pull, "", c.opt.names)
	if err != nil {
		return 0, err
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: c.timeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tc,
		TLSHandshakeTimeout:   c.timeout,
		ResponseHeaderTimeout: c.timeout,
	}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	var total int64
	for _, u := range uris {
		n, err := headSize(ctx, hc, u, c.timeout, c.opt.names)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// headSize is the Content-Length a HEAD of u answers with 200.
func headSize(ctx context.Context, hc *http.Client, u string, timeout time.Duration, names Names) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u, nil)
	if err != nil {
		return 0, fmt.Errorf("HEAD %s: %w", u, err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("HEAD %s: %w", u, explainTLS(err, req.URL.Hostname(), names))
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ContentLength < 0 {
		return 0, fmt.Errorf("HEAD %s: %s without Content-Length", u, resp.Status)
	}
	return resp.ContentLength, nil
}
