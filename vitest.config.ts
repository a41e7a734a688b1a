import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // WebGPU tests run Dawn on SwiftShader (Vulkan on the CPU). The Vulkan loader reads this at
    // process start, so it must be in the workers' environment, not set inside a test.
    env: { VK_ICD_FILENAMES: '/usr/lib/chromium/vk_swiftshader_icd.json' },
  },
});
