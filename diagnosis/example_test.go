package diagnosis_test

import (
	"errors"
	"fmt"

	"github.com/uploader-dev/uploader/diagnosis"
	"github.com/uploader-dev/uploader/upload"
)

// A *Diagnosis in an upload's error is found with errors.As under either
// name: upload.Diagnosis is this package's type.
func Example() {
	err := fmt.Errorf("upload s3://backups/db.tar: %w", &diagnosis.Diagnosis{
		Code: diagnosis.KMSKeyDisabled, Operation: "PutObject",
		Key:    "arn:aws:kms:eu-west-1:111122223333:key/1234",
		Remedy: "Enable the key: `aws kms enable-key --key-id arn:aws:kms:eu-west-1:111122223333:key/1234`.",
		Rerun:  true,
	})
	var d *upload.Diagnosis
	if errors.As(err, &d) {
		fmt.Println(d.Summary())
		fmt.Println("passes by itself:", d.Transient())
		fmt.Println("try again once fixed:", d.Rerun)
	}
	// Output:
	// PutObject: KMS key arn:aws:kms:eu-west-1:111122223333:key/1234 is disabled [kms_key_disabled]
	// passes by itself: false
	// try again once fixed: true
}
