package team

import (
	"context"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
)

// LeadReport is lead's team view as everyone who shows it needs it (the
// inviter's page, the lead page, the result PDF, the consulting team's
// email): unlocked once the lead has unlockAt answers, and only then the
// pooled report. A locked view reads no answer.
func LeadReport(ctx context.Context, store *models.Store, def *diagnostic.Definition, lead *models.Lead, unlockAt int) (Report, bool, error) {
	if !Unlocked(lead.TeamAnswers, unlockAt) {
		return Report{Answers: lead.TeamAnswers}, false, nil
	}
	answers, err := store.TeamAnswers(ctx, lead.ID, lead.DiagnosticVersion)
	if err != nil {
		return Report{}, false, err
	}
	scores := make([]map[string]int, len(answers))
	for i, a := range answers {
		scores[i] = a.ScoreMap()
	}
	return BuildReport(def, lead.ScoreMap(), scores), true, nil
}
