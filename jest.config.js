// Two projects: fast unit tests of policies and parsers, and e2e tests that run the gateway
// against the Partner Center sandbox over real HTTPS. `npm test` runs both.
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
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'], slowTestThreshold: 30 },
  ],
  testTimeout: 30000,
};
