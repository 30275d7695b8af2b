// Command bareput is the physical floor of the benchmark: N TLS connections
// each PUT fixed-size sections of a file (io.SectionReader, no copy) to the
// sink, with no signing and no checksums. Whatever it costs, every S3 client
// pays at least as much.
//
//	bareput -endpoint https://127.0.0.1:PORT -ca cert.pem -part-size 16777216 -concurrency 8 FILE BUCKET KEY
package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
)

func main() {
	endpoint := flag.String("endpoint", "", "sink URL")
	ca := flag.String("ca", "", "PEM CA bundle")
	partSize := flag.Int64("part-size", 16<<20, "section size in bytes")
	concurrency := flag.Int("concurrency", 8, "connections")
	writeBuffer := flag.Int("write-buffer", 0, "http.Transport WriteBufferSize (0: Go's default, 4 KiB)")
	flag.Parse()
	if flag.NArg() != 3 || *endpoint == "" {
		log.Fatal("usage: bareput -endpoint URL [flags] FILE BUCKET KEY")
	}
	pool := x509.NewCertPool()
	if *ca != "" {
		pem, err := os.ReadFile(*ca)
		if err != nil {
			log.Fatal(err)
		}
		pool.AppendCertsFromPEM(pem)
	}
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool},
		MaxIdleConnsPerHost: *concurrency,
		MaxConnsPerHost:     *concurrency,
		ForceAttemptHTTP2:   false,
		WriteBufferSize:     *writeBuffer,
	}
	client := &http.Client{Transport: tr}
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		log.Fatal(err)
	}
	size := fi.Size()
	parts := (size + *partSize - 1) / *partSize
	if parts == 0 {
		parts = 1
	}
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	for range *concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= parts || failed.Load() != nil {
					return
				}
				off := i * *partSize
				n := min(*partSize, size-off)
				url := fmt.Sprintf("%s/%s/%s.section%d", *endpoint, flag.Arg(1), flag.Arg(2), i+1)
				req, err := http.NewRequest(http.MethodPut, url, io.NewSectionReader(f, off, n))
				if err != nil {
					failed.Store(err)
					return
				}
				req.ContentLength = n
				resp, err := client.Do(req)
				if err != nil {
					failed.Store(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Store(fmt.Errorf("part %d: HTTP %s", i+1, resp.Status))
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "sent %d bytes in %d sections\n", size, parts)
}
