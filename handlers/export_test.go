package handlers

import "time"

// FormStamp is the diagnostic form's stamp for a form with the submission
// key served at a given time, so tests can send forms served long ago.
func FormStamp(secret []byte, submission string, servedAt time.Time) string {
	return newFormStamper(secret).stamp(submission, servedAt)
}
