// Command baremanager uploads one file with a bare manager.Uploader: SDK
// defaults except part size and concurrency (the SDK's default checksum:
// CRC32 in an aws-chunked trailer), no decorators, no preflight. It is the
// peer the uploader's engine is measured against.
//
//	baremanager -endpoint https://127.0.0.1:PORT -ca cert.pem -part-size 16777216 -concurrency 10 FILE BUCKET KEY
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime/pprof"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func main() {
	endpoint := flag.String("endpoint", "", "S3 endpoint URL")
	ca := flag.String("ca", "", "PEM CA bundle")
	partSize := flag.Int64("part-size", 16<<20, "part size in bytes")
	concurrency := flag.Int("concurrency", 10, "parts in flight")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile here")
	memProfile := flag.String("memprofile", "", "write an allocation profile here")
	flag.Parse()
	if flag.NArg() != 3 {
		log.Fatal("usage: baremanager [flags] FILE BUCKET KEY")
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
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
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	//lint:ignore SA1019 the benchmark measures manager itself, the baseline the engine is compared with
	up := manager.NewUploader(client, func(u *manager.Uploader) {
		u.PartSize = *partSize
		u.Concurrency = *concurrency
	})
	//lint:ignore SA1019 the benchmark measures manager itself, the baseline the engine is compared with
	out, err := up.Upload(ctx, &s3.PutObjectInput{
		Bucket: aws.String(flag.Arg(1)),
		Key:    aws.String(flag.Arg(2)),
		Body:   f,
	})
	if err != nil {
		pprof.StopCPUProfile()
		log.Fatal(err)
	}
	if *memProfile != "" {
		mf, err := os.Create(*memProfile)
		if err != nil {
			log.Fatal(err)
		}
		_ = pprof.Lookup("allocs").WriteTo(mf, 0)
		mf.Close()
	}
	fmt.Fprintf(os.Stderr, "uploaded %s ETag %s\n", flag.Arg(0), aws.ToString(out.ETag))
}
