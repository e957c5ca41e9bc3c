package awsfake

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

// Objects is the fakes' S3: buckets of objects in memory. The logs fake
// writes export objects into it, and Athena answers can be computed from
// them. The CLI itself does not call S3.
type Objects struct {
	mu      sync.Mutex
	buckets map[string]map[string][]byte
}

// NewObjects returns an empty store.
func NewObjects() *Objects { return &Objects{buckets: map[string]map[string][]byte{}} }

// CreateBucket makes bucket exist.
func (o *Objects) CreateBucket(bucket string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.buckets[bucket] == nil {
		o.buckets[bucket] = map[string][]byte{}
	}
}

// HasBucket reports whether bucket exists.
func (o *Objects) HasBucket(bucket string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buckets[bucket] != nil
}

// Put stores an object.
func (o *Objects) Put(bucket, key string, b []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.buckets[bucket] == nil {
		return fmt.Errorf("NoSuchBucket: %s", bucket)
	}
	o.buckets[bucket][key] = append([]byte(nil), b...)
	return nil
}

// Get returns an object.
func (o *Objects) Get(bucket, key string) ([]byte, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	b, ok := o.buckets[bucket][key]
	return b, ok
}

// List returns the keys under prefix, sorted.
func (o *Objects) List(bucket, prefix string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var keys []string
	for k := range o.buckets[bucket] {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// GzipLines reads a gzip object's lines.
func (o *Objects) GzipLines(bucket, key string) ([]string, error) {
	b, ok := o.Get(bucket, key)
	if !ok {
		return nil, fmt.Errorf("no object s3://%s/%s", bucket, key)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("s3://%s/%s: %w", bucket, key, err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("s3://%s/%s: %w", bucket, key, err)
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, sc.Err()
}

func gzipLines(lines []string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for _, l := range lines {
		_, _ = io.WriteString(zw, l+"\n")
	}
	_ = zw.Close()
	return buf.Bytes()
}
