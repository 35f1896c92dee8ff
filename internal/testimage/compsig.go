package testimage

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"path"
	"strings"
)

// CompsigFormat is the Format value of a Compsig.
const CompsigFormat = "fleetfw-compsig/1"

// Signer is the Signer value of every Compsig this package writes.
const Signer = "fleetfw test signer"

// Compsig is a detached signature (.compsig): the SHA-256 of the bytes
// [Offset, Offset+Length) of Component. Part 0 covers the whole file; part
// N ≥ 1 covers bytes [(N-1)·PartSize, N·PartSize).
type Compsig struct {
	Format    string
	Component string // file name of the signed component, e.g. cp045678.exe
	Part      int
	Offset    int64
	Length    int64
	SHA256    string // lower-case hex
	Signer    string
}

// CompsigName returns the file name of the signature of component:
// <base>.compsig for part 0 and <base>_part<N>.compsig for part N, where
// <base> is the name without its last extension (iLOrest's naming).
func CompsigName(component string, part int) string {
	base := strings.TrimSuffix(path.Base(component), path.Ext(component))
	if part == 0 {
		return base + ".compsig"
	}
	return fmt.Sprintf("%s_part%d.compsig", base, part)
}

// PartCount returns how many PartSize parts a file of size bytes has (at least 1).
func PartCount(size int64) int {
	if size <= PartSize {
		return 1
	}
	return int((size + PartSize - 1) / PartSize)
}

// Sign reads r to its end and returns the signature of those bytes as part
// of component (Offset from the part number).
func Sign(component string, part int, r io.Reader) (Compsig, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return Compsig{}, fmt.Errorf("sign %s part %d: %w", component, part, err)
	}
	return newCompsig(component, part, n, h), nil
}

func newCompsig(component string, part int, length int64, h hash.Hash) Compsig {
	var off int64
	if part > 0 {
		off = int64(part-1) * PartSize
	}
	return Compsig{
		Format: CompsigFormat, Component: path.Base(component), Part: part, Offset: off, Length: length,
		SHA256: hex.EncodeToString(h.Sum(nil)), Signer: Signer,
	}
}

// Marshal encodes the signature as the .compsig file content.
func (c Compsig) Marshal() []byte {
	b, _ := json.MarshalIndent(c, "", "  ") // a struct of strings and ints always encodes
	return append(b, '\n')
}

// ParseCompsig decodes a .compsig file; an unreadable one is ErrSignatureInvalid.
func ParseCompsig(b []byte) (Compsig, error) {
	var c Compsig
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("decode compsig: %w: %w", ErrSignatureInvalid, err)
	}
	if c.Format != CompsigFormat || c.Part < 0 || c.Length < 0 || len(c.SHA256) != 2*sha256.Size {
		return c, fmt.Errorf("compsig format %q: %w", c.Format, ErrSignatureInvalid)
	}
	return c, nil
}

// Verify checks that sig signs exactly the bytes r yields (the whole file
// for part 0, the part's bytes for part N) and returns the parsed signature,
// so that the caller can also compare Component and Part with what it
// expects. A mismatch wraps ErrSignatureInvalid.
func Verify(sig []byte, r io.Reader) (Compsig, error) {
	c, err := ParseCompsig(sig)
	if err != nil {
		return c, err
	}
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return c, fmt.Errorf("verify %s: %w", c.Component, err)
	}
	if n != c.Length {
		return c, fmt.Errorf("verify %s part %d: %d bytes signed, %d given: %w", c.Component, c.Part, c.Length, n, ErrSignatureInvalid)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != strings.ToLower(c.SHA256) {
		return c, fmt.Errorf("verify %s part %d: digest mismatch: %w", c.Component, c.Part, ErrSignatureInvalid)
	}
	return c, nil
}

// VerifyAt checks sig against the bytes it names in r (a whole file of
// size bytes): the whole file for part 0, [Offset, Offset+Length) otherwise.
func VerifyAt(sig []byte, r io.ReaderAt, size int64) (Compsig, error) {
	c, err := ParseCompsig(sig)
	if err != nil {
		return c, err
	}
	off, n := int64(0), size
	if c.Part > 0 {
		off, n = c.Offset, min(c.Length, max(size-c.Offset, 0))
	}
	return Verify(sig, io.NewSectionReader(r, off, n))
}

// partSigner hashes a stream as it passes: the whole file and each PartSize part.
type partSigner struct {
	component string
	off       int64
	whole     hash.Hash
	part      hash.Hash
	partLen   int64
	parts     []Compsig
}

func newPartSigner(component string) *partSigner {
	return &partSigner{component: component, whole: sha256.New(), part: sha256.New()}
}

func (p *partSigner) Write(b []byte) (int, error) {
	p.whole.Write(b)
	n := len(b)
	for len(b) > 0 {
		k := min(int64(len(b)), PartSize-p.partLen)
		p.part.Write(b[:k])
		p.partLen += k
		p.off += k
		b = b[k:]
		if p.partLen == PartSize {
			p.flush()
		}
	}
	return n, nil
}

func (p *partSigner) flush() {
	p.parts = append(p.parts, newCompsig(p.component, len(p.parts)+1, p.partLen, p.part))
	p.part, p.partLen = sha256.New(), 0
}

// finish returns the whole-file signature and the part signatures.
func (p *partSigner) finish() (Compsig, []Compsig) {
	if p.partLen > 0 || len(p.parts) == 0 {
		p.flush()
	}
	return newCompsig(p.component, 0, p.off, p.whole), p.parts
}
