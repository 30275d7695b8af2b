// Command bareputloop uploads every file of a directory with a bare SDK
// PutObject loop: N goroutines, one PutObject per file (SDK defaults: a
// CRC32 checksum), keys PREFIX + the path relative to DIR. It is the floor
// a set's first upload is measured against.
//
//	bareputloop -endpoint https://127.0.0.1:PORT -ca cert.pem -concurrency 10 DIR BUCKET PREFIX
package main

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func main() {
	endpoint := flag.String("endpoint", "", "S3 endpoint URL")
	ca := flag.String("ca", "", "PEM CA bundle")
	concurrency := flag.Int("concurrency", 10, "files in flight")
	flag.Int64("part-size", 0, "ignored (the runner passes it to every peer)")
	flag.Parse()
	if flag.NArg() != 3 {
		log.Fatal("usage: bareputloop [flags] DIR BUCKET PREFIX")
	}
	dir, bucket, prefix := flag.Arg(0), flag.Arg(1), flag.Arg(2)
	ctx := context.Background()
	var opts []func(*config.LoadOptions) error
	if *ca != "" {
		f, err := os.Open(*ca)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		opts = append(opts, config.WithCustomCABundle(f))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		log.Fatal(err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if *endpoint != "" {
			o.BaseEndpoint = aws.String(*endpoint)
		}
		o.UsePathStyle = true
	})
	paths := make(chan string)
	var wg sync.WaitGroup
	var failed, done atomic.Int64
	for range *concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range paths {
				rel, _ := filepath.Rel(dir, p)
				f, err := os.Open(p)
				if err != nil {
					log.Print(err)
					failed.Add(1)
					continue
				}
				fi, _ := f.Stat()
				_, err = client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(prefix + filepath.ToSlash(rel)),
					Body: f, ContentLength: aws.Int64(fi.Size())})
				f.Close()
				if err != nil {
					log.Print(err)
					failed.Add(1)
					continue
				}
				done.Add(1)
			}
		}()
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			paths <- p
		}
		return err
	})
	close(paths)
	wg.Wait()
	if err != nil || failed.Load() > 0 {
		log.Fatalf("%d failed, walk: %v", failed.Load(), err)
	}
	fmt.Fprintf(os.Stderr, "uploaded %d files\n", done.Load())
}
