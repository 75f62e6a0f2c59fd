// What the stage puts on `window` for tests and benchmarks (main.js), for the type checker.
interface Window {
  cePlayer: {
    step: number | null;
    playing: boolean;
    reloading: boolean;
    stats: object | null;
    pointPixels: () => Array<[number, number, number]>;
    pointCount: () => number;
    showMetric: (name: string, value: number) => void;
  };
  ceStage: import("./stage.js").Stage;
}
