// Public face of src/ipc: re-export the area's modules here.
export {};
