package testimage

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Files are the paths WriteFiles wrote.
type Files struct {
	Image   string   // DIR/<Filename>
	Compsig string   // DIR/<base>.compsig, or "" when none was written
	Parts   []string // DIR/<base>_part<N>.compsig, N from 1
	Info    Info     // what Inspect will return for Image
}

// All returns every path written, image first.
func (f Files) All() []string {
	out := []string{f.Image}
	if f.Compsig != "" {
		out = append(out, f.Compsig)
	}
	return append(out, f.Parts...)
}

// WriteFiles writes the image s describes into dir, and its signatures: a
// .compsig for Smart Components (or when s.Compsig), plus one per 32 MiB
// part when the image is larger than PartSize (or when s.Parts). The image
// is hashed as it is written, in one pass.
func WriteFiles(dir string, s Spec) (Files, error) {
	s, err := Resolve(s)
	if err != nil {
		return Files{}, err
	}
	files := Files{Image: filepath.Join(dir, s.Filename)}
	f, err := os.Create(files.Image)
	if err != nil {
		return Files{}, fmt.Errorf("create image: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	signer := newPartSigner(s.Filename)
	werr := Write(io.MultiWriter(bw, signer), s)
	if werr == nil {
		werr = bw.Flush()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return Files{}, errors.Join(fmt.Errorf("write %s: %w", files.Image, werr), os.Remove(files.Image))
	}
	whole, parts := signer.finish()
	if files.Info, err = inspectFile(files.Image); err != nil {
		return files, err
	}

	if !s.Compsig && !files.Info.NeedsCompsig {
		return files, nil
	}
	files.Compsig = filepath.Join(dir, CompsigName(s.Filename, 0))
	if err := os.WriteFile(files.Compsig, whole.Marshal(), 0o644); err != nil {
		return files, fmt.Errorf("write compsig: %w", err)
	}
	if len(parts) == 1 && !s.Parts {
		return files, nil
	}
	for _, p := range parts {
		name := filepath.Join(dir, CompsigName(s.Filename, p.Part))
		if err := os.WriteFile(name, p.Marshal(), 0o644); err != nil {
			return files, fmt.Errorf("write part compsig: %w", err)
		}
		files.Parts = append(files.Parts, name)
	}
	return files, nil
}

// inspectFile runs Inspect on a file on disk.
func inspectFile(name string) (Info, error) {
	f, err := os.Open(name)
	if err != nil {
		return Info{}, fmt.Errorf("inspect image: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Info{}, fmt.Errorf("inspect image: %w", err)
	}
	return Inspect(f, st.Size(), filepath.Base(name))
}
