package main

import (
	"fmt"
	"mime"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/spf13/cobra"

	"github.com/uploader-dev/uploader/internal/checksum"
	"github.com/uploader-dev/uploader/upload"
)

// objectFlags describe the stored object: encryption, headers, checksum.
// `cp` and `preflight` both take them, defined here once, so that the
// preflight's canary sends the headers the upload will send (S3 checks
// tags as s3:PutObjectTagging, an ACL as s3:PutObjectAcl, and so on).
type objectFlags struct {
	sse                sseFlags
	storageClass       string
	contentType        string
	metadata           string
	cacheControl       string
	contentDisposition string
	contentEncoding    string
	acl                string
	tagging            string

	checksumAlgorithm   string
	checksumCalculation string
}

// cannedACLs are the ACLs an object upload takes (--acl).
var cannedACLs = enumNames(types.ObjectCannedACL("").Values())

// enumNames are the values of an SDK enum (or our own) as strings.
func enumNames[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

func (o *objectFlags) addFlags(cmd *cobra.Command) {
	o.sse.addFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&o.storageClass, "storage-class", "", "storage class: STANDARD, STANDARD_IA, INTELLIGENT_TIERING, GLACIER_IR, ... (checked before any request)")
	f.StringVar(&o.contentType, "content-type", "", "Content-Type (default: guessed from the key's extension)")
	f.StringVar(&o.metadata, "metadata", "", "user metadata: k1=v1,k2=v2 or a JSON object")
	f.StringVar(&o.cacheControl, "cache-control", "", "Cache-Control of the object")
	f.StringVar(&o.contentDisposition, "content-disposition", "", "Content-Disposition of the object")
	f.StringVar(&o.contentEncoding, "content-encoding", "", "Content-Encoding of the object")
	f.StringVar(&o.acl, "acl", "", "canned ACL: private, public-read, bucket-owner-full-control, ...")
	f.StringVar(&o.tagging, "tagging", "", "object tags, URL-encoded: k1=v1&k2=v2")
	f.StringVar(&o.checksumAlgorithm, "checksum-algorithm", "CRC64NVME", "checksum of every part and of the object: CRC64NVME, CRC32, CRC32C, SHA256 or SHA1")
	f.StringVar(&o.checksumCalculation, "checksum-calculation", "", "when_supported (checksums sent and verified) or when_required (none: for S3-compatible servers that reject checksum headers); default: AWS_REQUEST_CHECKSUM_CALCULATION or the profile's, else when_supported")

	completeValues(cmd, "storage-class", enumNames(types.StorageClass("").Values())...)
	completeValues(cmd, "acl", cannedACLs...)
	completeValues(cmd, "checksum-algorithm", enumNames(checksum.Algorithms)...)
	completeValues(cmd, "checksum-calculation", "when_supported", "when_required")
	completeValues(cmd, "content-type", "application/octet-stream", "application/gzip", "application/x-tar", "application/zstd", "application/json", "text/plain")
}

// completeValues offers a flag's values to shell completion (cobra's
// `__complete`): those starting with what was typed, in any case (the
// flags take any case), and no file names.
func completeValues(cmd *cobra.Command, flag string, values ...string) {
	_ = cmd.RegisterFlagCompletionFunc(flag, func(_ *cobra.Command, _ []string, typed string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, v := range values {
			if strings.HasPrefix(strings.ToLower(v), strings.ToLower(typed)) {
				out = append(out, v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
}

// input validates the flags into the fields every upload of the command
// shares; the caller adds the bucket, key and source, and the content
// type (contentTypeOf, which depends on the key). Errors are usage errors.
func (o *objectFlags) input(cmd *cobra.Command) (upload.Input, error) {
	if err := o.checkStorageClass(); err != nil {
		return upload.Input{}, usagef(err)
	}
	sse, err := o.sse.sse(cmd)
	if err != nil {
		return upload.Input{}, err
	}
	meta, err := upload.ParseMetadata(o.metadata)
	if err != nil {
		return upload.Input{}, usagef(fmt.Errorf("--metadata: %w", err))
	}
	if o.acl != "" && strings.ContainsAny(o.acl, " ,") {
		return upload.Input{}, usagef(fmt.Errorf("--acl %q is not a canned ACL: use one of %s", o.acl, strings.Join(cannedACLs, ", ")))
	}
	return upload.Input{
		SSE: sse, Metadata: meta, StorageClass: o.storageClass,
		CacheControl: o.cacheControl, ContentDisposition: o.contentDisposition, ContentEncoding: o.contentEncoding,
		ACL: o.acl, Tagging: o.tagging,
	}, nil
}

// checksums validates --checksum-algorithm and --checksum-calculation into
// the engine's settings (noChecksum: when_required).
func (o *objectFlags) checksums() (alg upload.ChecksumAlgorithm, noChecksum bool, err error) {
	if alg, err = checksum.Parse(o.checksumAlgorithm); err != nil {
		return "", false, usagef(fmt.Errorf("--checksum-algorithm: %v", err))
	}
	switch o.checksumCalc() {
	case "when_supported":
	case "when_required":
		noChecksum = true
	default:
		return "", false, usagef(fmt.Errorf("--checksum-calculation %q: use when_supported or when_required", o.checksumCalculation))
	}
	return alg, noChecksum, nil
}

// checksumCalc is the effective --checksum-calculation: the flag, else the
// SDK's environment variable, else when_supported. The SDK reads the same
// variable when the configuration loads, but the plan (and --dryrun) is
// made before that; the caller adds the profile's setting once it is
// loaded.
func (o *objectFlags) checksumCalc() string {
	if o.checksumCalculation != "" {
		return strings.ToLower(o.checksumCalculation)
	}
	if v := os.Getenv("AWS_REQUEST_CHECKSUM_CALCULATION"); v != "" {
		return strings.ToLower(v)
	}
	return "when_supported"
}

// profileSaysNoChecksum reports the loaded profile's
// request_checksum_calculation = when_required, when no flag said: the
// plan (made before the configuration loaded) must then send no checksums
// either. cp and preflight both ask.
func (o *objectFlags) profileSaysNoChecksum(cfg aws.Config) bool {
	return cfg.RequestChecksumCalculation == aws.RequestChecksumCalculationWhenRequired && o.checksumCalculation == ""
}

// contentTypeOf is --content-type, else the type the key's extension
// suggests.
func (o *objectFlags) contentTypeOf(key string) string {
	if o.contentType != "" {
		return o.contentType
	}
	return mime.TypeByExtension(filepath.Ext(key))
}

// checkStorageClass refuses a storage class S3 does not have before any
// request, rather than let S3 answer a bare 400 after the preflight; it
// takes any case, as S3 wants it upper-case.
func (o *objectFlags) checkStorageClass() error {
	if o.storageClass == "" {
		return nil
	}
	classes := types.StorageClass("").Values()
	if up := types.StorageClass(strings.ToUpper(o.storageClass)); slices.Contains(classes, up) {
		o.storageClass = string(up)
		return nil
	}
	return fmt.Errorf("--storage-class %q is not an S3 storage class: use one of %s", o.storageClass, strings.Join(enumNames(classes), ", "))
}
