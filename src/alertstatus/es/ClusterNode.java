/*
 * One member of a local cluster (es/cluster.py): codelibs' embedded runner, started the way its own
 * `main` starts it, with settings that win over the ones the runner forces on every node.
 *
 * Why: the runner names the node of every JVM "Node 1" and, on OpenSearch 3, sets
 * `discovery.type: single-node` when it runs one node; both go into the settings that override
 * the node's settings file, so a settings file cannot change them. The runner takes a callback
 * (its `Builder`) whose settings it keeps; this file gives it one, by reflection, so one source
 * serves every engine and needs nothing but the runner's jars on the class path.
 *
 * Run with Java's source launcher (a JDK):
 *   java -Dalertstatus.setting.node.name=a ... -cp '<lib>/*' ClusterNode.java <runner class> <runner arguments...>
 * Every system property `alertstatus.setting.<key>` becomes the node setting `<key>`.
 */

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

public final class ClusterNode {
    private static final String PREFIX = "alertstatus.setting.";

    public static void main(String[] args) throws Exception {
        Class<?> runnerClass = Class.forName(args[0]);
        Class<?> builderType = Class.forName(args[0] + "$Builder");
        Object runner = runnerClass.getConstructor().newInstance();
        Map<String, String> settings = new TreeMap<>();
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith(PREFIX)) {
                settings.put(name.substring(PREFIX.length()), System.getProperty(name));
            }
        }
        InvocationHandler putSettings = (proxy, method, arguments) -> {
            switch (method.getName()) {
                case "build":
                    Object builder = arguments[1];
                    Method put = builder.getClass().getMethod("put", String.class, String.class);
                    for (Map.Entry<String, String> setting : settings.entrySet()) {
                        put.invoke(builder, setting.getKey(), setting.getValue());
                    }
                    return null;
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "equals":
                    return proxy == arguments[0];
                default:
                    return "ClusterNode settings " + settings;
            }
        };
        Object callback = Proxy.newProxyInstance(
                builderType.getClassLoader(), new Class<?>[] {builderType}, putSettings);
        runnerClass.getMethod("onBuild", builderType).invoke(runner, callback);
        Method close = runnerClass.getMethod("close");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                close.invoke(runner);
            } catch (ReflectiveOperationException error) {
                error.printStackTrace();
            }
        }));
        String[] runnerArguments = Arrays.copyOfRange(args, 1, args.length);
        runnerClass.getMethod("build", String[].class).invoke(runner, (Object) runnerArguments);
        Method isClosed = runnerClass.getMethod("isClosed");
        while (!(Boolean) isClosed.invoke(runner)) {
            Thread.sleep(5000);
        }
    }
}
