package terraform

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// maxDeflateRatio is the most DEFLATE can expand (about 1032:1); an entry
// claiming more cannot be honest.
const maxDeflateRatio = 1032

// ZipInfo is what a package zip's central directory says, read without
// extracting anything.
type ZipInfo struct {
	Path              string
	CompressedBytes   int64 // the file's size on disk: what Lambda's 50 MB direct-upload limit measures
	UncompressedBytes int64 // the sum the directory claims: what the 250 MB unzipped limit measures
	Entries           int
	// Inconsistent is non-empty when the directory cannot be trusted (a zip
	// bomb or a damaged file): the claimed sizes are still reported.
	Inconsistent string
	sizes        map[string]uint64 // entry name → claimed uncompressed size
}

// Has reports whether the zip holds an entry of that name (e.g. "schemas/config.json").
func (z *ZipInfo) Has(name string) bool { _, ok := z.sizes[name]; return ok }

// ReadEntry reads one entry of at most max bytes — for small metadata such as a
// task's schemas/config.json; it refuses entries that claim or inflate beyond max.
func (z *ZipInfo) ReadEntry(name string, max int64) ([]byte, error) {
	size, ok := z.sizes[name]
	if !ok {
		return nil, fmt.Errorf("%s: no entry %q", z.Path, name)
	}
	if size > uint64(max) {
		return nil, fmt.Errorf("%s: %s claims %d bytes, more than %d", z.Path, name, size, max)
	}
	zr, err := zip.OpenReader(z.Path)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	rc, err := zr.Open(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", z.Path, name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", z.Path, name, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: %s inflates beyond %d bytes", z.Path, name, max)
	}
	return data, nil
}

// ReadZip reads a zip's central directory (never its contents) and checks the
// directory against the file: entries that claim more data than the file
// holds, or more expansion than DEFLATE allows, make it Inconsistent.
func ReadZip(path string) (*ZipInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a folder, not a zip", path)
	}
	r, err := zip.NewReader(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s is not a readable zip: %w", path, err)
	}
	z := &ZipInfo{Path: path, CompressedBytes: st.Size(), Entries: len(r.File), sizes: make(map[string]uint64, len(r.File))}
	var compressedSum uint64
	for _, e := range r.File {
		z.sizes[e.Name] = e.UncompressedSize64
		z.UncompressedBytes = saturatingAdd(z.UncompressedBytes, e.UncompressedSize64)
		compressedSum += e.CompressedSize64
		if z.Inconsistent != "" {
			continue
		}
		switch {
		case e.CompressedSize64 > uint64(st.Size()):
			z.Inconsistent = fmt.Sprintf("entry %q claims %d compressed bytes in a %d-byte file", e.Name, e.CompressedSize64, st.Size())
		case e.Method == zip.Store && e.CompressedSize64 != e.UncompressedSize64:
			z.Inconsistent = fmt.Sprintf("stored entry %q claims %d bytes but holds %d", e.Name, e.UncompressedSize64, e.CompressedSize64)
		case e.Method == zip.Deflate && e.UncompressedSize64 > (e.CompressedSize64+1)*maxDeflateRatio:
			z.Inconsistent = fmt.Sprintf("entry %q claims %d bytes from %d compressed, more than DEFLATE can expand", e.Name, e.UncompressedSize64, e.CompressedSize64)
		}
	}
	if z.Inconsistent == "" && compressedSum > uint64(st.Size()) {
		z.Inconsistent = fmt.Sprintf("entries claim %d compressed bytes in a %d-byte file (overlapping entries)", compressedSum, st.Size())
	}
	return z, nil
}

func saturatingAdd(a int64, b uint64) int64 {
	const max = int64(^uint64(0) >> 1)
	if b > uint64(max-a) {
		return max
	}
	return a + int64(b)
}

type zipResult struct {
	info *ZipInfo
	err  error
}

func (d *Deployment) readZip(path string) (*ZipInfo, error) {
	if r, ok := d.zips[path]; ok {
		return r.info, r.err
	}
	info, err := ReadZip(path)
	d.zips[path] = zipResult{info, err}
	return info, err
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
