// Public face of src/grader: re-export the area's modules here.
export {};
