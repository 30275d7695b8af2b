package preflight

import (
	"context"

	"github.com/uploader-dev/uploader/internal/diagnose"
)

// reconcile weighs the direct KMS round trip against the canary through S3
// and settles both rows, then adds its own:
//
//   - round trip denied, canary allowed the same call: the key allows use
//     only through S3 (kms:ViaService, kms:CallerAccount): WARN, the upload
//     may go on;
//   - round trip allowed, canary denied: the cause is on the S3 side (bucket
//     policy, SCP, s3:PutObject): FAIL, KMS is not blamed;
//   - both denied: the permission is missing: FAIL with both statements;
//   - a single-request plan needs no kms:Decrypt: its denial is a WARN that
//     names the risk for bigger files;
//   - canary denied with the upload's tags or ACL, allowed without: the
//     header's permission (s3:PutObjectTagging, s3:PutObjectAcl): FAIL.
//
// It makes no request.
func (r *run) reconcile(context.Context) {
	rt, cn := r.rt.outcome, r.cn.outcome
	need := r.o.Plan.Multipart
	createOK := cn == cnOK || cn == cnPartDenied || cn == cnHeaderDenied
	partOK := cn == cnOK && r.cn.part
	canaryRan := cn != cnNotRun && cn != cnError

	// The round trip's row.
	row := &r.rep.Checks[r.rt.row]
	switch rt {
	case rtGDKDenied:
		switch {
		case createOK:
			row.Status, row.Code, row.Remedy, row.Rerun = Warn, "", "", false
			row.Detail += "; but S3's own kms:GenerateDataKey was allowed (canary CreateMultipartUpload): the key allows use only through S3 (kms:ViaService) or from certain accounts (kms:CallerAccount), which a direct call cannot pass"
		case !canaryRan:
			row.Detail += "; the canary did not run, so a key usable only through S3 (kms:ViaService) cannot be ruled out"
			r.rep.Hint = diagnose.MissingKMSGenerateDataKey
		default:
			r.rep.Hint = diagnose.MissingKMSGenerateDataKey
		}
	case rtDecryptDenied:
		switch {
		case !need:
			row.Status = Warn
			row.Detail += "; this upload is a single request and needs only kms:GenerateDataKey, but a file above the multipart threshold (8 MiB by default) will fail on UploadPart with AccessDenied"
			r.rep.Hint = diagnose.MissingKMSDecrypt
		case partOK:
			row.Status, row.Code, row.Remedy, row.Rerun = Warn, "", "", false
			row.Detail += "; but S3's own kms:Decrypt was allowed (canary UploadPart): the key allows use only through S3 (kms:ViaService) or from certain accounts (kms:CallerAccount), which a direct call cannot pass"
		case !canaryRan:
			row.Detail += "; the canary did not run, so a key usable only through S3 (kms:ViaService) cannot be ruled out"
			r.rep.Hint = diagnose.MissingKMSDecrypt
		default:
			r.rep.Hint = diagnose.MissingKMSDecrypt
		}
	}

	// The canary's row, when S3 denied it.
	crow := &r.rep.Checks[r.cn.row]
	var rec Check
	rec.Name = CheckReconcile
	switch {
	case cn == cnHeaderDenied:
		// The canary's row says it all: the header's permission.
		rec = Check{Name: CheckReconcile, Status: Fail, Code: crow.Code, Remedy: crow.Remedy, Rerun: crow.Rerun,
			Detail: "S3 allows the upload without its tags or ACL and refuses it with them: the permission those headers need is missing, not s3:PutObject or KMS"}
	case cn == cnCreateDenied && (rt == rtOK || rt == rtDecryptDenied || (!r.kms && !r.sseUnknown)):
		r.s3Side(crow, "CreateMultipartUpload")
		if r.kms {
			crow.Detail += ": KMS allowed this principal kms:GenerateDataKey directly (round trip), so S3 refused for an S3-side reason: s3:PutObject, a bucket policy (conditions on the encryption headers, the prefix, ...), a service control policy or a permission boundary"
		} else {
			crow.Detail += ": S3 does not call KMS for this upload, so s3:PutObject is missing or a bucket policy, service control policy or permission boundary denies it"
		}
		rec = Check{Name: CheckReconcile, Status: Fail, Code: diagnose.S3AccessDenied, Remedy: crow.Remedy, Rerun: crow.Rerun,
			Detail: "KMS allows the key, S3 refuses the upload: the cause is on the S3 side, not KMS"}
		if !r.kms {
			rec.Detail = "not SSE-KMS: S3 refuses the upload for an S3-side reason"
		}
	case cn == cnPartDenied && rt == rtOK:
		r.s3Side(crow, "UploadPart")
		crow.Detail += ": KMS allowed this principal kms:Decrypt directly with the context S3 uses (round trip), so S3 refused the part for an S3-side reason: a bucket policy with conditions, a service control policy or a permission boundary"
		rec = Check{Name: CheckReconcile, Status: Fail, Code: diagnose.S3AccessDenied, Remedy: crow.Remedy, Rerun: crow.Rerun,
			Detail: "KMS allows the key, S3 refuses the part: the cause is on the S3 side, not KMS"}
	case cn == cnCreateDenied && rt == rtGDKDenied:
		r.kmsSide(crow, "CreateMultipartUpload", diagnose.MissingKMSGenerateDataKey)
		crow.Detail += ": consistent with the round trip, which KMS denied kms:GenerateDataKey"
		rec = Check{Name: CheckReconcile, Status: Fail, Code: diagnose.MissingKMSGenerateDataKey, Remedy: crow.Remedy, Rerun: crow.Rerun,
			Detail: "KMS and S3 agree: kms:GenerateDataKey is missing for " + orDash(r.principal) + " on " + r.keyARN}
	case cn == cnCreateDenied:
		// No round trip to tell S3 and KMS apart: both causes are named.
		d := diagnose.Classify(r.cn.err, r.canaryContext("CreateMultipartUpload", "aws:kms", ""))
		crow.Code, crow.Remedy, crow.Rerun = diagnose.S3AccessDenied, "", false
		if d != nil {
			crow.Code, crow.Remedy = d.Code, d.Remedy
			crow.Rerun = d.Rerun
		}
		crow.Detail += ": s3:PutObject or kms:GenerateDataKey is missing (no round trip ran to tell which)"
		rec = Check{Name: CheckReconcile, Status: Skip, Detail: "no round trip to reconcile with; the canary decides"}
	case cn == cnPartDenied && rt == rtDecryptDenied:
		r.kmsSide(crow, "UploadPart", diagnose.MissingKMSDecrypt)
		crow.Detail += ": consistent with the round trip, which KMS denied kms:Decrypt"
		rec = Check{Name: CheckReconcile, Status: Fail, Code: diagnose.MissingKMSDecrypt, Remedy: crow.Remedy, Rerun: crow.Rerun,
			Detail: "KMS and S3 agree: kms:Decrypt is missing for " + orDash(r.principal) + " on " + r.keyARN + " (multipart needs it for every part)"}
	case cn == cnPartDenied:
		// Create passed, so s3:PutObject and (through S3) GenerateDataKey
		// are allowed: the part's kms:Decrypt is the likely cause.
		r.kmsSide(crow, "UploadPart", "")
		crow.Detail += ": S3 allowed CreateMultipartUpload, so the part's kms:Decrypt through S3 is most likely missing"
		rec = Check{Name: CheckReconcile, Status: Fail, Code: crow.Code, Remedy: crow.Remedy, Rerun: crow.Rerun,
			Detail: "S3 allows the upload to start but refuses its parts: kms:Decrypt is most likely missing"}
	case rt == rtGDKDenied && createOK, rt == rtDecryptDenied && need && partOK:
		rec = Check{Name: CheckReconcile, Status: Warn,
			Detail: "direct KMS calls are denied but S3's are allowed: the key allows use only through S3 (kms:ViaService); the upload may go on"}
	case rt == rtOK && cn == cnOK:
		rec = Check{Name: CheckReconcile, Status: Pass, Detail: "the KMS round trip and the S3 canary agree: the upload will be allowed"}
	case rt == rtDecryptDenied && !need && cn == cnOK:
		rec = Check{Name: CheckReconcile, Status: Pass, Detail: "S3 allows this single-request upload; kms:Decrypt, needed only for multipart, is missing (see round trip)"}
	case (rt == rtNotRun || rt == rtError) && cn == cnOK:
		rec = Check{Name: CheckReconcile, Status: Pass, Detail: "no direct round trip; the S3 canary, which goes through KMS as the upload will, allows it"}
	case !canaryRan && (rt == rtNotRun || rt == rtError):
		rec = Check{Name: CheckReconcile, Status: Skip, Detail: "neither the round trip nor the canary ran: nothing to reconcile"}
	case !canaryRan:
		rec = Check{Name: CheckReconcile, Status: Skip, Detail: "the canary did not run: the round trip alone decides"}
	default:
		rec = Check{Name: CheckReconcile, Status: Skip, Detail: "nothing to reconcile: see the failing check above"}
	}
	r.add(rec)
}

// s3Side settles a canary denial on the S3 side.
func (r *run) s3Side(row *Check, op string) {
	row.Status, row.Code = Fail, diagnose.S3AccessDenied
	// Without SSE in the context Classify names only S3 causes, which is
	// what the round trip proved.
	if d := diagnose.Classify(r.cn.err, r.canaryContext(op, "", "")); d != nil {
		row.Remedy = d.Remedy
		row.Rerun = d.Rerun
	}
}

// kmsSide settles a canary denial on KMS: the missing action, with both
// policy statements.
func (r *run) kmsSide(row *Check, op string, hint diagnose.Code) {
	row.Status = Fail
	d := diagnose.Classify(r.cn.err, r.canaryContext(op, "aws:kms", hint))
	if d != nil {
		row.Code, row.Remedy = d.Code, d.Remedy
		row.Rerun = d.Rerun
	} else if hint != "" {
		row.Code = hint
	}
}

func (r *run) canaryContext(op, sse string, hint diagnose.Code) diagnose.Context {
	c := r.diagContext(op)
	c.SSE, c.Hint, c.ObjectKey = sse, hint, r.o.Key
	c.MultipartCreated = op == "UploadPart"
	return c
}
