//! Running a whole scan: files in, reports and detections out.
