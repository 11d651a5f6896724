"""Dashboard queries: every aggregate computed in SQL (GROUP BY, window functions).

Per person and competency, the evidence is the first answer to each question and the first
finished run of each scenario, exactly as course/domain/scoring.py defines it; the person's
estimate is the Beta-Binomial posterior mean (1 + successes) / (2 + trials). Groups (department,
track, level, or everyone) then get the mean of their learners' estimates, the learner count and
the evidence behind it. No query returns a row per person to Python; the same SQL runs on SQLite
(3.25+) and PostgreSQL.

- scope: what a query looks at (`Scope`) and the SQL building blocks the queries share;
- evidence: the per-person evidence, materialised once per read session (`evidence_table`),
  and the group scores and first-versus-after-practice changes read from it;
- activity: when each reporting cell was active, for the release windows;
- counts: trends, completion, choice flows, endings, question facility, the data version.
"""

from course.store.analytics.activity import list_activity, list_joining, release_table
from course.store.analytics.counts import (
    TREND_GROUPINGS,
    CompletionCounts,
    DataVersion,
    FlowCount,
    PeriodScore,
    answers_per_period,
    choice_flows,
    completion_counts,
    count_learners,
    ending_tallies,
    get_data_version,
    list_departments,
    list_levels,
    list_track_sets,
    question_counts,
)
from course.store.analytics.evidence import (
    Evidence,
    GroupChange,
    GroupScore,
    competency_scores,
    evidence_table,
    group_changes,
    group_pre_check_changes,
    group_scores,
)
from course.store.analytics.scope import EVERYONE, GROUPINGS, Scope, prepare_report, report_work_mem

__all__ = [
    "EVERYONE",
    "GROUPINGS",
    "TREND_GROUPINGS",
    "CompletionCounts",
    "DataVersion",
    "Evidence",
    "FlowCount",
    "GroupChange",
    "GroupScore",
    "PeriodScore",
    "Scope",
    "answers_per_period",
    "choice_flows",
    "competency_scores",
    "completion_counts",
    "count_learners",
    "ending_tallies",
    "evidence_table",
    "get_data_version",
    "group_changes",
    "group_pre_check_changes",
    "group_scores",
    "list_activity",
    "list_departments",
    "list_joining",
    "list_levels",
    "list_track_sets",
    "prepare_report",
    "question_counts",
    "release_table",
    "report_work_mem",
]
