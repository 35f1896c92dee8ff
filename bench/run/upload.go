package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// uploadName is the component pushed by the upload benchmark: an iLO
// firmware image, which carries its own signature (no .compsig).
const uploadName = "ilo5_305.bin"

// sectionBytes is the most iLO takes in one uploadFile POST.
const sectionBytes = 32 << 20

// upload pushes one large component with fleetfw.ilo.component and with a
// curl loop, same bytes, same endpoint, same simulator; then measures the
// peak RSS of a Python multipart push of the same file.
func upload(ctx context.Context, cfg config, rep *report) error {
	// tmpfs: the machine's disk is shared and slow; the benchmark is about
	// the uploader, not about the disk.
	shm, err := os.MkdirTemp("/dev/shm", "fleetfw-bench-")
	if err != nil {
		return fmt.Errorf("create tmpfs directory: %w", err)
	}
	defer os.RemoveAll(shm)
	images := filepath.Join(shm, "images")
	if _, err := command(ctx, cfg.work, nil, cfg.bin("mkimage"), "-o", images, "-name", uploadName, "-size", strconv.FormatInt(cfg.uploadBytes, 10)); err != nil {
		return err
	}
	img := filepath.Join(images, uploadName)
	parts := filepath.Join(shm, "parts")
	if err := os.MkdirAll(parts, 0o755); err != nil {
		return fmt.Errorf("create parts directory: %w", err)
	}
	if _, err := command(ctx, parts, nil, "split", "-b", strconv.Itoa(sectionBytes), "-d", "-a", "3", img, "part."); err != nil {
		return err
	}
	// A fast clock: the simulated Verifying and Writing phases (8 s per
	// section at speed 1) would otherwise dominate both sides.
	s, err := startSim(ctx, cfg.bin("ilosim"), filepath.Join(shm, "sim"), "-count", "1", "-speed", "1000", "-idle-timeout", "100000h")
	if err != nil {
		return err
	}
	defer s.stop()
	base := s.ILOs[0].BaseURI
	argsFile := filepath.Join(cfg.work, "upload-args.json")
	if err := moduleArgs(argsFile, "component", map[string]any{
		"baseuri": base, "username": simUser, "password": simPass, "ca_path": s.CAPath,
		"path": img, "force": true, "wait_timeout": 600,
	}); err != nil {
		return err
	}
	// Each upload starts from an empty repository: the simulated one holds
	// 1,023.5 MiB, so a large component must be deleted before it is sent
	// again (untimed).
	delFile := filepath.Join(cfg.work, "delete-args.json")
	if err := moduleArgs(delFile, "component", map[string]any{
		"baseuri": base, "username": simUser, "password": simPass, "ca_path": s.CAPath,
		"state": "absent", "all_unlocked": true,
	}); err != nil {
		return err
	}
	clear := func() error {
		out, err := command(ctx, cfg.work, nil, cfg.moduleBin(), delFile)
		if msg := moduleFailed(out); err != nil || msg != "" {
			return fmt.Errorf("empty the repository: %v %s", err, msg)
		}
		return nil
	}
	script := filepath.Join(cfg.root, "bench", "curl-upload.sh")
	u := &uploadResult{bytes: cfg.uploadBytes}
	for r := 0; r < cfg.uploadRuns; r++ {
		if err := clear(); err != nil {
			return err
		}
		if err := s.reset(ctx); err != nil {
			return err
		}
		mt, err := timed(ctx, cfg.work, nil, cfg.moduleBin(), argsFile)
		if err != nil {
			return fmt.Errorf("component upload: %w", err)
		}
		if msg := moduleFailed(mt.out); msg != "" {
			return fmt.Errorf("component upload failed: %s", msg)
		}
		c, err := s.counters(ctx)
		if err != nil {
			return err
		}
		u.module = append(u.module, mt.wall)
		u.moduleRSS = append(u.moduleRSS, float64(mt.rssKiB))
		u.moduleRequests = c.total()
		u.moduleReceived = c.BytesReceived

		if err := clear(); err != nil {
			return err
		}
		if err := s.reset(ctx); err != nil {
			return err
		}
		ct, err := timed(ctx, cfg.work, nil, "bash", script, base, s.CAPath, simUser, simPass, parts, uploadName)
		if err != nil {
			return fmt.Errorf("curl upload: %w", err)
		}
		var posts float64
		for _, l := range strings.Split(ct.out, "\n") {
			if f := strings.Fields(l); len(f) == 3 && f[0] == "post" {
				t, _ := strconv.ParseFloat(f[1], 64)
				posts += t
			}
		}
		if c, err = s.counters(ctx); err != nil {
			return err
		}
		u.curl = append(u.curl, ct.wall)
		u.curlPosts = append(u.curlPosts, posts)
		u.curlRSS = append(u.curlRSS, float64(ct.rssKiB))
		u.curlRequests = c.total()
		u.curlReceived = c.BytesReceived
		logf("upload round %d: module %.1f s (%.0f MiB/s, RSS %d KiB), curl %.1f s (%.0f MiB/s)", r+1,
			mt.wall, mib(cfg.uploadBytes)/mt.wall, mt.rssKiB, ct.wall, mib(cfg.uploadBytes)/ct.wall)
	}
	rep.upload = u
	s.stop()
	if cfg.pyUploadBytes != cfg.uploadBytes {
		// A smaller file for Python, whose module holds several copies
		// of it in memory; the report says which size.
		pyImages := filepath.Join(shm, "py-images")
		if _, err := command(ctx, cfg.work, nil, cfg.bin("mkimage"), "-o", pyImages, "-name", uploadName, "-size", strconv.FormatInt(cfg.pyUploadBytes, 10)); err != nil {
			return err
		}
		img = filepath.Join(pyImages, uploadName)
	}
	u.pythonBytes = cfg.pyUploadBytes
	return pythonUpload(ctx, cfg, rep, shm, img)
}

// pythonUpload measures the peak RSS of the Python module process that
// pushes img to the DMTF MultipartHttpPushUri (profile ilo5-multipart). The
// inventory's ansible_python_interpreter is a wrapper that runs the module's
// interpreter under GNU time, so the figure is that process alone, not the
// controller.
func pythonUpload(ctx context.Context, cfg config, rep *report, shm, img string) error {
	s, err := startSim(ctx, cfg.bin("ilosim"), filepath.Join(shm, "sim-multipart"), "-count", "1", "-profile", "ilo5-multipart",
		"-speed", "1000", "-idle-timeout", "100000h")
	if err != nil {
		return err
	}
	defer s.stop()
	rssFile := filepath.Join(cfg.work, "python-rss.txt")
	wrapper := filepath.Join(cfg.work, "bin", "python-rss")
	if err := os.WriteFile(wrapper, []byte("#!/bin/sh\nexec /usr/bin/time -a -f %M -o "+rssFile+" /usr/bin/python3 \"$@\"\n"), 0o755); err != nil {
		return fmt.Errorf("write interpreter wrapper: %w", err)
	}
	inv := filepath.Join(cfg.work, "multipart.ini")
	if err := s.inventory(inv, "bench_image="+img+"\nansible_python_interpreter="+wrapper+"\n"); err != nil {
		return fmt.Errorf("write inventory: %w", err)
	}
	for r := 0; r < cfg.pyUploadRuns; r++ {
		_ = os.Remove(rssFile)
		pr, err := playbook(ctx, cfg, inv, cfg.playbook("upload_multipart_uri.yml"), 1)
		if err != nil {
			return fmt.Errorf("python multipart upload: %w", err)
		}
		b, err := os.ReadFile(rssFile)
		if err != nil {
			return fmt.Errorf("read python RSS: %w", err)
		}
		var peak int64
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.ParseInt(f, 10, 64); err == nil && n > peak {
				peak = n
			}
		}
		rep.upload.pythonRSS = append(rep.upload.pythonRSS, float64(peak))
		rep.upload.pythonWall = append(rep.upload.pythonWall, pr.wall.Seconds())
		logf("python multipart upload %d: peak RSS %d KiB, %.1f s", r+1, peak, pr.wall.Seconds())
	}
	return nil
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// uploadResult holds the upload rounds.
type uploadResult struct {
	bytes                        int64
	module, moduleRSS            []float64 // seconds, KiB
	curl, curlPosts, curlRSS     []float64
	moduleRequests, curlRequests int
	moduleReceived, curlReceived int64
	pythonRSS, pythonWall        []float64
	pythonBytes                  int64
}
