package outside

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/uploader-dev/uploader/preflight"
	"github.com/uploader-dev/uploader/upload"
)

// The README's "As a library" snippet and the preflight of package
// upload's Example_fromAWSConfig, written as a program outside the module
// writes them. Compiled, not run: it needs AWS.
func Example_fromAWSConfig() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	s3c := s3.NewFromConfig(cfg)
	journals, err := upload.OpenJournals("") // resume support
	if err != nil {
		log.Fatal(err)
	}
	f, err := os.Open("/var/backups/db.tar")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		log.Fatal(err)
	}
	sse := upload.SSE{Mode: upload.SSEKMS, KMSKeyID: "alias/backup"}

	plan, err := upload.New(s3c, upload.Options{}).Plan(fi.Size())
	if err != nil {
		log.Fatal(err) // a *upload.PlanError: nothing was sent
	}
	rep, err := preflight.Run(ctx, preflight.Clients{S3: s3c, KMS: kms.NewFromConfig(cfg), STS: sts.NewFromConfig(cfg)},
		preflight.Options{Bucket: "b", Key: "k", SSE: sse, Plan: plan, Source: f.Name(), Canary: true, Region: cfg.Region})
	if err != nil {
		log.Fatal(err)
	}
	if rep.Failed() || rep.Inconclusive() { // inconclusive: no answer, nothing proved
		for _, c := range rep.Checks {
			fmt.Println(c.Status, c.Name, c.Code, c.Detail, c.Remedy)
		}
		return
	}

	u := upload.New(s3c, upload.Options{Journals: journals, Listener: upload.NopListener{},
		Diagnostics: upload.Diagnostics{Principal: rep.Principal, KeyARN: rep.KeyARN, Region: rep.BucketRegion, Hint: rep.Hint}})
	res, err := u.Upload(ctx, upload.Input{Bucket: "b", Key: "k", Body: f, Size: fi.Size(), SourcePath: f.Name(), SSE: sse})
	var d *upload.Diagnosis // errors.As: the explained failure (Code, Principal, Key, Remedy, ...)
	var ue *upload.Error    // errors.As: the upload id, and whether it was kept or aborted
	switch {
	case errors.As(err, &d):
		fmt.Println(d.Code, d.Principal, d.Key, d.Remedy)
	case errors.As(err, &ue):
		fmt.Println(ue.UploadID, ue.Kept, ue.Aborted)
	case err != nil:
		log.Fatal(err)
	default:
		fmt.Println("stored", res.ETag)
	}
}

// Plans and checksum names need no AWS: what a program decides from its
// configuration before it makes a client.
func Example_plan() {
	alg, err := upload.ParseChecksumAlgorithm("crc32c") // from a config file
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("checksum:", alg)
	for _, size := range []int64{1 << 20, 100 << 20, -1} {
		p, err := upload.MakePlan(size, upload.PlanOptions{})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%d bytes: multipart=%v, parts of %d MiB, %d parts\n", size, p.Multipart, p.PartSize>>20, p.Parts)
	}
	_, err = upload.MakePlan(10<<20, upload.PlanOptions{PartSize: 1 << 20})
	var pe *upload.PlanError
	fmt.Println("1 MiB parts refused:", errors.As(err, &pe))
	// Output:
	// checksum: CRC32C
	// 1048576 bytes: multipart=false, parts of 0 MiB, 0 parts
	// 104857600 bytes: multipart=true, parts of 8 MiB, 13 parts
	// -1 bytes: multipart=true, parts of 16 MiB, 0 parts
	// 1 MiB parts refused: true
}

// An SSE-KMS upload to the local stack (started by TestMain) with an
// *s3.Client from an aws.Config, as package upload's ExampleUploader_Upload
// does it with an in-memory S3.
func Example_localStack() {
	client := s3.NewFromConfig(awsConfig(stack.Full))
	u := upload.New(client, upload.Options{PartSize: 5 << 20, Concurrency: 2})

	data := bytes.Repeat([]byte("backup!\n"), 12<<20/8) // 12 MiB: above the 8 MiB threshold
	res, err := u.Upload(context.Background(), upload.Input{
		Bucket: stack.Bucket, Key: "outside/Example_localStack/db.tar",
		Body: bytes.NewReader(data), Size: int64(len(data)),
		SSE: upload.SSE{Mode: upload.SSEKMS, KMSKeyID: stack.KeyARN},
	})
	if err != nil {
		fmt.Println("upload failed:", err)
		return
	}
	fmt.Printf("%d bytes, multipart=%v, %d parts of %d MiB\n", res.Size, res.Plan.Multipart, res.Plan.Parts, res.Plan.PartSize>>20)
	fmt.Println("encryption:", res.SSE, res.KMSKeyID == stack.KeyARN)
	fmt.Println("checksum:", res.ChecksumAlgorithm, res.ChecksumType)
	// Output:
	// 12582912 bytes, multipart=true, 3 parts of 5 MiB
	// encryption: aws:kms true
	// checksum: CRC64NVME FULL_OBJECT
}
