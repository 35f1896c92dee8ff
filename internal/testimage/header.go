package testimage

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"slices"
)

// Magic opens every header-format image.
const Magic = "FLEETFW1"

// HeaderFormat is the Format value of the header metadata.
const HeaderFormat = "fleetfw-testimage/1"

const (
	prefixLen   = len(Magic) + 4 // magic + metadata length
	maxMetaLen  = 64 << 10
	fillerBlock = 64 << 10
)

// Header is the JSON metadata of a header-format image.
type Header struct {
	Format             string
	Kind               Kind
	Filename           string
	Name               string
	Version            string
	DeviceClass        string
	Targets            []string
	UpdatableBy        []string
	Activates          string
	InstallDurationSec int
	Size               int64 // of the whole file
}

// header returns the encoded prefix and metadata of s, settling Size when
// s.Size is 0 (the smallest image: header only).
func header(s Spec) ([]byte, int64, error) {
	h := Header{
		Format: HeaderFormat, Kind: s.Kind, Filename: s.Filename, Name: s.Name, Version: s.Version,
		DeviceClass: s.DeviceClass, Targets: s.Targets, UpdatableBy: s.UpdatableBy, Activates: s.Activates,
		InstallDurationSec: s.InstallDurationSec, Size: s.Size,
	}
	// The metadata length depends on the digits of Size: iterate to a fixed point.
	for range 4 {
		meta, err := json.Marshal(h)
		if err != nil {
			return nil, 0, fmt.Errorf("encode image header: %w", err)
		}
		if len(meta) > maxMetaLen {
			return nil, 0, fmt.Errorf("image %s: header of %d bytes exceeds %d", s.Filename, len(meta), maxMetaLen)
		}
		need := int64(prefixLen + len(meta))
		if s.Size != 0 && s.Size < need {
			return nil, 0, fmt.Errorf("image %s: size %d is below the %d-byte header", s.Filename, s.Size, need)
		}
		if s.Size == 0 && h.Size != need {
			h.Size = need
			continue
		}
		buf := make([]byte, 0, need)
		buf = append(buf, Magic...)
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(meta)))
		buf = append(buf, meta...)
		return buf, h.Size, nil
	}
	return nil, 0, fmt.Errorf("image %s: header size did not settle", s.Filename)
}

// writeHeaderImage writes the header then filler to h.Size bytes.
func writeHeaderImage(w io.Writer, s Spec) error {
	hdr, size, err := header(s)
	if err != nil {
		return err
	}
	if _, err := w.Write(hdr); err != nil {
		return fmt.Errorf("write image %s: %w", s.Filename, err)
	}
	if err := writeFiller(w, size-int64(len(hdr)), s.Filename+"\x00"+s.Version); err != nil {
		return fmt.Errorf("write image %s: %w", s.Filename, err)
	}
	return nil
}

// writeFiller writes n deterministic bytes derived from seed, one 64 KiB
// buffer at a time: a pattern expanded from SHA-256 of the seed, whose
// first 8 bytes carry the block number so that no two blocks are equal.
func writeFiller(w io.Writer, n int64, seed string) error {
	buf := make([]byte, fillerBlock)
	sum := sha256.Sum256([]byte(seed))
	for off := 0; off < len(buf); off += sha256.Size {
		copy(buf[off:], sum[:])
		sum = sha256.Sum256(sum[:])
	}
	for block := uint64(0); n > 0; block++ {
		binary.BigEndian.PutUint64(buf, block)
		chunk := buf
		if n < int64(len(chunk)) {
			chunk = chunk[:n]
		}
		if _, err := w.Write(chunk); err != nil {
			return err
		}
		n -= int64(len(chunk))
	}
	return nil
}

// readHeader reads and checks the header of a header-format image of size bytes.
func readHeader(r io.ReaderAt, size int64) (Header, error) {
	var h Header
	prefix := make([]byte, prefixLen)
	if _, err := r.ReadAt(prefix, 0); err != nil {
		return h, fmt.Errorf("read image header: %w", ErrUnknownFormat)
	}
	if !bytes.Equal(prefix[:len(Magic)], []byte(Magic)) {
		return h, ErrUnknownFormat
	}
	n := binary.BigEndian.Uint32(prefix[len(Magic):])
	if n > maxMetaLen || int64(prefixLen)+int64(n) > size {
		return h, fmt.Errorf("image header length %d in a %d-byte file: %w", n, size, ErrCorrupt)
	}
	meta := make([]byte, n)
	if _, err := r.ReadAt(meta, int64(prefixLen)); err != nil {
		return h, fmt.Errorf("read image header: %w", ErrCorrupt)
	}
	if err := json.Unmarshal(meta, &h); err != nil {
		return h, fmt.Errorf("decode image header: %w: %w", ErrCorrupt, err)
	}
	if h.Format != HeaderFormat {
		return h, fmt.Errorf("image header format %q: %w", h.Format, ErrCorrupt)
	}
	if h.Size != size {
		return h, fmt.Errorf("image %s is %d bytes, its header says %d: %w", h.Filename, size, h.Size, ErrCorrupt)
	}
	if !slices.Contains(AllKinds(), h.Kind) || h.Kind == KindFwpkg {
		return h, fmt.Errorf("image header kind %q: %w", h.Kind, ErrCorrupt)
	}
	return h, nil
}
