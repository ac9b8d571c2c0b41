package diagnostic

// AnswerFieldPrefix begins the name of every answer's field in the
// diagnostic form; what follows it is the question's id.
const AnswerFieldPrefix = "a."

// AnswerField is the name of the form field that answers a question: the
// form, the parser of what it sends and every client that fills it use it.
func AnswerField(questionID string) string { return AnswerFieldPrefix + questionID }
