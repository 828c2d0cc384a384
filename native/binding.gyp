{
  "targets": [
    {
      "target_name": "lmx_native",
      "sources": ["src/lmx_native.cc", "src/sgemm.cc", "src/elementwise.cc", "src/decoder.cc", "src/trainstep.cc"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-math-errno", "-ffp-contract=off"],
      "cflags_cc!": ["-fno-exceptions"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17"] },
      "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/O2"] } }
    }
  ]
}
