// Charts as SVG (owned by the intro-notebooks engineer; see src/network, src/distributed).
export {};
