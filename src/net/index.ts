// Public face of src/net: re-export the area's modules here.
export {};
