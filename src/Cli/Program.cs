using TruncEdge.Cli;

return new CliApp().Run(args);
