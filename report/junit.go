package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// JUnit documents, as read by the test reporters of GitHub Actions,
// GitLab and Jenkins: one test suite per run, one test case per
// threshold, plus one for the run itself.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes s as a JUnit XML report: a test case "run" that fails
// when the run could not be carried out (no connection opened, or it was
// interrupted), and one test case per threshold whose failure says the
// metric, the limit and the actual value.
func WriteJUnit(w io.Writer, s *Summary) error {
	secs := fmt.Sprintf("%.3f", s.DurationSeconds)
	suite := junitSuite{
		Name:      "wsbench " + s.Scenario.Name,
		Time:      secs,
		Timestamp: s.Start.Format("2006-01-02T15:04:05"),
		Properties: []junitProperty{
			{"target", s.Scenario.URL},
			{"protocol", s.Scenario.Protocol},
			{"end_reason", s.EndReason},
			{"seed", fmt.Sprint(s.Scenario.Seed)},
			{"wsbench_version", s.Version},
		},
	}
	run := junitCase{Name: "run", Classname: "wsbench." + s.Scenario.Name, Time: secs,
		SystemOut: fmt.Sprintf("ran %s of %s: %s; connections opened %d, failed %d, dropped %d",
			fmtSeconds(s.DurationSeconds), fmtSeconds(s.PlannedSeconds), s.EndReason,
			s.Connections.Opened, s.Connections.Failed, s.Connections.Dropped)}
	switch {
	case s.EndReason == "interrupted":
		run.Failure = &junitFailure{Type: "interrupted", Message: "the run was interrupted before its planned end",
			Text: fmt.Sprintf("ran %s of %s", fmtSeconds(s.DurationSeconds), fmtSeconds(s.PlannedSeconds))}
	case s.Connections.Opened == 0:
		run.Failure = &junitFailure{Type: "no_connection", Message: "no connection opened",
			Text: "connect failures: " + causeList(s.Connections.FailCauses)}
	}
	suite.Cases = append(suite.Cases, run)
	for _, r := range s.Thresholds {
		c := junitCase{Name: r.Expr, Classname: "wsbench." + s.Scenario.Name + ".thresholds", Time: "0"}
		if !r.Passed {
			msg := fmt.Sprintf("%s is %s; limit %s %s", r.Metric, r.Actual, r.Op, r.Limit)
			if r.Actual == noData {
				msg = fmt.Sprintf("%s has no data (the run measured nothing for it); limit %s %s", r.Metric, r.Op, r.Limit)
			}
			if r.Aborted {
				msg += "; it aborted the run (abort_on_fail)"
			}
			c.Failure = &junitFailure{Type: "threshold", Message: msg,
				Text: fmt.Sprintf("metric: %s\nlimit: %s %s\nactual: %s", r.Metric, r.Op, r.Limit, r.Actual)}
		}
		suite.Cases = append(suite.Cases, c)
	}
	for _, c := range suite.Cases {
		suite.Tests++
		if c.Failure != nil {
			suite.Failures++
		}
	}
	doc := junitSuites{Name: "wsbench", Tests: suite.Tests, Failures: suite.Failures, Time: secs, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func causeList(cs []CauseCount) string {
	if len(cs) == 0 {
		return "none recorded"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%s %d", c.Cause, c.Count)
	}
	return strings.Join(parts, ", ")
}
