{
  "targets": [
    {
      "target_name": "cdlab_ipc",
      "conditions": [
        ["OS=='linux'", {
          "sources": ["native/ipc.cc"],
          "libraries": ["-lrt", "-pthread"],
          "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"]
        }]
      ],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"
      ],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
