// Public face of src/distributed: re-export the area's modules here.
export {};
