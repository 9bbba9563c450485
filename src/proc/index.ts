// Public face of src/proc: re-export the area's modules here.
export {};
