/**
 * What grading a class produces per student and notebook, shared by the class run (./course.ts), the feedback
 * pages (./feedback.ts) and the gradebook (./gradebook.ts) without making them import each other.
 */
import type { SubmissionGrade } from "./autograde";

/** One student's result for one notebook of the assignment. */
export interface CourseResult {
  student: string;
  assignment: string;
  notebook: string;
  /** The grade, absent when the submission could not be graded or is missing. */
  grade?: SubmissionGrade;
  /** pt-BR reason when there is no grade ("não entregue", a read error…). */
  error?: string;
  /** Taken from a previous run (submission and source unchanged). */
  reused: boolean;
  /** sha256 of the submission and of the source. */
  submission_sha256?: string;
  source_sha256: string;
}
