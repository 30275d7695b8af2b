// Package teststack runs a real local AWS for end-to-end tests and the
// demo: moto_server (S3, KMS, IAM, STS with IAM policies enforced) behind an
// in-process gate that makes it answer as S3 does where moto does not: SSE-KMS
// (moto's S3 never calls KMS), SigV4 over percent-encoded paths and queries,
// multipart start times, and CRC64NVME checksums.
//
// # moto
//
// moto_server (moto 5.2.1, Python; `pip install 'moto[server]'`) serves S3,
// KMS, IAM and STS on one port. Start starts it with
// INITIAL_NO_AUTH_ACTION_COUNT=inf, seeds users, keys and the bucket, then
// switches IAM enforcement on (POST /moto-api/reset-auth with a text/plain
// body "0"): from then on every request's signature and IAM policy are
// checked. moto matches KMS actions only against policies with
// "Resource": "*" (a key ARN does not match as it does on AWS), answers KMS
// denials with HTTP 403 and an XML body the Go SDK cannot decode, keeps
// using disabled or pending-deletion keys, and its DisableKey and
// ScheduleKeyDeletion want a bare key id (an ARN gives HTTP 500).
//
// # One stack per test package
//
// Starting moto takes about a second and it holds a process, so a package
// starts one stack in TestMain and shares it; tests use their own object
// keys, and call ResetCounts/SetFaults only where they do not run in
// parallel with others.
//
//	var stack *teststack.Stack
//
//	func TestMain(m *testing.M) {
//		s, err := teststack.Start(context.Background(), teststack.Options{})
//		if errors.Is(err, teststack.ErrMotoNotFound) && os.Getenv("CI") == "" {
//			fmt.Println("skipping end-to-end tests:", err)
//			os.Exit(0)
//		}
//		if err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			os.Exit(1)
//		}
//		stack = s
//		code := m.Run()
//		stack.Stop()
//		os.Exit(code)
//	}
//
// Run a binary as a user with cmd.Env = stack.Env(stack.NoDecrypt), or use
// the SDK with cfg, _ := stack.Config(ctx, stack.Full).
//
// # The gate
//
// Every request to Stack.Endpoint is identified by the access key in its
// SigV4 Authorization header (or presigned X-Amz-Credential), named by its
// AWS API operation and counted (Stack.Counts). Then:
//
//   - PutObject, CopyObject and CreateMultipartUpload that S3 would encrypt
//     with KMS (x-amz-server-side-encryption aws:kms or aws:kms:dsse, or
//     else the bucket's default encryption): KMS GenerateDataKey as the
//     requester, with the key from x-amz-server-side-encryption-aws-kms-key-id
//     (missing: the stack's main key stands in for aws/s3) and the context
//     {"aws:s3:arn": object ARN, or bucket ARN with Bucket Keys} merged with
//     x-amz-server-side-encryption-context. The upload id in moto's answer
//     is remembered with the data key's ciphertext.
//   - UploadPart, UploadPartCopy, CompleteMultipartUpload of such an upload:
//     KMS Decrypt of that ciphertext as the requester.
//   - A KMS denial (moto: HTTP 403) becomes S3's 403 AccessDenied,
//     "Access Denied" (or the enhanced text, GateOptions.EnhancedDenials).
//     The key's state, read with DescribeKey as Admin on every such request
//     because moto's KMS keeps using disabled keys, gives 400
//     KMS.DisabledException, KMS.KMSInvalidStateException (pending
//     deletion) or KMS.NotFoundException. Gate-made errors carry
//     x-amz-request-id and a RequestId, as S3's do.
//   - PutObject, CopyObject and CreateMultipartUpload with tags
//     (x-amz-tagging) or an ACL (x-amz-acl, x-amz-grant-*), which moto
//     lets through on s3:PutObject alone: the requester must also be
//     allowed s3:PutObjectTagging / s3:PutObjectAcl (asked of moto's IAM
//     by that call on a key that does not exist: 403 denied, 404 allowed),
//     else S3's 403; and a bucket whose Object Ownership is
//     BucketOwnerEnforced (ACLs disabled) refuses any ACL but
//     bucket-owner-full-control with 400 AccessControlListNotSupported.
//   - Faults (Stack.SetFaults) hit UploadPart only: 503 SlowDown, 500
//     InternalError, a connection reset mid-body, 503
//     KMS.ThrottlingException (KMS throttling S3's Decrypt), or a delay;
//     and DenyAbruptly answers the gate's own denials without reading the
//     body (Connection: close), then resets the connection.
//   - A clock offset (Stack.SetClockSkew) refuses every request signed more
//     than 15 minutes off the gate's clock, as each service does (S3 403
//     RequestTimeTooSkewed; KMS and STS "Signature expired"); its Date
//     header shows that clock (the SDK then corrects its own) or not.
//   - Direct KMS crypto calls of users named in SetDenyDirectKMS are refused.
//   - Everything else goes to moto untouched: bodies streamed, Host kept
//     (moto checks signatures).
//
// # What moto gets wrong, and the gate corrects
//
//   - SigV4 over percent-encoded paths and queries. moto checks signatures
//     with botocore over the URL as werkzeug rebuilt it: an IRI in which
//     escapes of UTF-8 and of most ASCII punctuation are decoded again
//     (key "é" is canonicalized as "/bucket/é", "a+b" as "a+b",
//     "prefix=dir%2F" as "prefix=dir/"), whereas the client signed the
//     URI-encoded form. Keys with + % ' " ; or non-ASCII, and
//     ListObjectsV2 / ListMultipartUploads with a prefix ending in "/", got
//     SignatureDoesNotMatch. For an S3 request signed in the Authorization
//     header by a user the stack knows, the gate checks the signature as
//     S3 does (its own canonical request, any x-amz-content-sha256:
//     a hex hash, UNSIGNED-PAYLOAD, STREAMING-*), refusing a bad one with
//     S3's 403 SignatureDoesNotMatch and a body that does not hash to the
//     signed hash with 400 XAmzContentSHA256Mismatch; then it replaces the
//     signature with the one of the canonical request moto computes
//     (motoPath, motoQuery, header values read as ISO-8859-1) and forwards
//     the request otherwise unchanged, body streamed. Presigned URLs,
//     unknown access keys and non-S3 services go to moto as they are;
//     chunk signatures of STREAMING-AWS4-HMAC-SHA256-PAYLOAD bodies are
//     not checked (moto ignores them too).
//   - Multipart start times. moto reports Initiated 2010-11-10T20:48:33Z
//     for every upload; the gate records when each CreateMultipartUpload
//     it forwarded succeeded and puts that time in ListMultipartUploads.
//   - CRC64NVME. moto lacks it (it reports a 4-byte CRC32 under that name,
//     returns no part checksums and accepts wrong ones). The gate computes
//     the CRC64NVME of every PutObject and UploadPart payload as it streams
//     (plain, or the data of an aws-chunked body, whose trailer may carry
//     the declared checksum) and refuses a declared one that differs (400
//     BadDigest, the last bytes withheld so moto never stores the body).
//     For an upload with CRC64NVME or no checksum algorithm (S3's default,
//     FULL_OBJECT), UploadPart and ListParts return the part checksums, and
//     CompleteMultipartUpload refuses a part checksum other than the stored
//     one (400 InvalidPart) and an object checksum other than the parts'
//     combined one (400 BadDigest), and returns it with ChecksumType
//     FULL_OBJECT. HeadObject and GetObject with x-amz-checksum-mode
//     ENABLED report that value (not for ranges), so a Go SDK GetObject
//     validates. Uploads with another algorithm, and parts made with
//     UploadPartCopy, keep moto's answers.
//
// The gate keeps this state in memory: uploads created or objects written
// before it started (or directly on moto) are answered as moto answers.
// Stack.Env still sets AWS_RESPONSE_CHECKSUM_VALIDATION=when_required,
// since objects written with CRC32C carry moto's value (a CRC32: moto lacks
// CRC32C too).
//
// Not modelled: kms:Decrypt on GetObject/CopyObject sources of SSE-KMS
// objects, key policies, and KMS calls for users the gate does not know
// (create extra users with Stack.NewUser).
//
// The gate's own KMS calls and permission probes go straight to moto, so
// they are neither counted nor refused by SetDenyDirectKMS or the clock. moto.log and gate.log (one line per
// request and per gate decision) are in Stack.Dir.
package teststack
