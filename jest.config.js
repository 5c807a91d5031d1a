// Three projects: the gateway's fast unit tests of policies and parsers, its e2e tests against the Partner Center
// sandbox over real HTTPS, and the sandbox package's own tests (sandbox/jest.config.js). `npm test` runs all three.
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.test.json' }];

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': tsJest },
  setupFiles: ['reflect-metadata'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      slowTestThreshold: 30,
    },
    '<rootDir>/sandbox/jest.config.js',
  ],
  testTimeout: 30000,
};
