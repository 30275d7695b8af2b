// Package teststack runs a real local AWS for end-to-end tests and the
// demo: moto_server (S3, KMS, IAM, STS with IAM policies enforced) behind an
// in-process gate that does what S3 does with KMS for SSE-KMS objects,
// which moto's S3 does not (see /work/shared/TESTSTACK.md).
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
// Not modelled: kms:Decrypt on GetObject/CopyObject sources of SSE-KMS
// objects, key policies, and KMS calls for users the gate does not know
// (create extra users with Stack.NewUser).
//
// The gate's own KMS calls and permission probes go straight to moto, so
// they are neither counted nor refused by SetDenyDirectKMS or the clock. moto.log and gate.log (one line per
// request and per gate decision) are in Stack.Dir.
package teststack
