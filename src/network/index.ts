// Public face of src/network: re-export the area's modules here.
export {};
