// Command profile uploads one file to the sink (or any endpoint) from a
// single process, either through the uploader's engine (upload.Uploader,
// with the client the CLI builds) or through a bare manager.Uploader on the
// same client, and writes CPU and allocation profiles. Same process, same
// client, same file: the profiles differ only by our additions.
//
//	profile -mode uploader|manager -endpoint URL -ca cert.pem -cpuprofile cpu.out -memprofile mem.out FILE
//	go tool pprof -top -diff_base manager.cpu profile uploader.cpu
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/internal/awsconfig"
	"github.com/uploader-dev/uploader/internal/checksum"
	"github.com/uploader-dev/uploader/upload"
)

func main() {
	mode := flag.String("mode", "uploader", "uploader or manager")
	endpoint := flag.String("endpoint", "", "S3 endpoint URL")
	ca := flag.String("ca", "", "PEM CA bundle")
	partSize := flag.Int64("part-size", 16<<20, "part size in bytes")
	concurrency := flag.Int("concurrency", 8, "parts in flight")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile here")
	memProfile := flag.String("memprofile", "", "write an allocation profile here")
	stdin := flag.Bool("stdin", false, "uploader mode: read the file as a stream of unknown size (as cp -), through a pipe")
	sum := flag.String("checksum", "", "uploader mode: checksum algorithm (default: the engine's), or none")
	writeBuffer := flag.Int("write-buffer", 0, "http.Transport WriteBufferSize for the SDK's client (0: Go's default, 4 KiB)")
	flag.Parse()
	if flag.NArg() != 1 {
		log.Fatal("usage: profile [flags] FILE")
	}
	runtime.MemProfileRate = 64 << 10
	ctx := context.Background()
	cfg, err := awsconfig.Load(ctx, awsconfig.Options{CABundle: *ca, EndpointURL: *endpoint, RetryMaxAttempts: 5})
	if err != nil {
		log.Fatal(err)
	}
	if *writeBuffer > 0 {
		// What a fix would do: bigger TLS records, fewer write syscalls.
		bc, ok := cfg.HTTPClient.(*awshttp.BuildableClient)
		if !ok {
			bc = awshttp.NewBuildableClient()
		}
		cfg.HTTPClient = bc.WithTransportOptions(func(t *http.Transport) { t.WriteBufferSize = *writeBuffer })
	}
	client := awsconfig.S3(cfg, *endpoint)
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		log.Fatal(err)
	}
	if *cpuProfile != "" {
		pf, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			log.Fatal(err)
		}
	}
	start := time.Now()
	switch *mode {
	case "uploader":
		opts := upload.Options{PartSize: *partSize, Concurrency: *concurrency}
		switch *sum {
		case "":
		case "none":
			opts.NoChecksum = true
		default:
			opts.Checksum = checksum.Algorithm(*sum)
		}
		in := upload.Input{Bucket: "bench", Key: "profile", Body: f, Size: fi.Size()}
		if *stdin {
			pr, pw, perr := os.Pipe()
			if perr != nil {
				log.Fatal(perr)
			}
			go func() {
				_, _ = io.Copy(pw, f)
				pw.Close()
			}()
			in.Body, in.Size = pr, -1
		}
		_, err = upload.New(client, opts).Upload(ctx, in)
	case "manager":
		//lint:ignore SA1019 the benchmark measures manager itself, the baseline the engine is compared with
		_, err = manager.NewUploader(client, func(u *manager.Uploader) {
			u.PartSize = *partSize
			u.Concurrency = *concurrency
		}).Upload(ctx, &s3.PutObjectInput{Bucket: aws.String("bench"), Key: aws.String("profile"), Body: f})
	default:
		log.Fatalf("-mode %q: uploader or manager", *mode)
	}
	elapsed := time.Since(start)
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
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
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(os.Stderr, "%s: %d bytes in %s, %d mallocs, %d MiB allocated in total, %d GCs\n",
		*mode, fi.Size(), elapsed.Round(time.Millisecond), ms.Mallocs, ms.TotalAlloc>>20, ms.NumGC)
}
