import GearmanProtocol
import NIOCore
import NIOHTTP1

/// One HTTP/1.1 connection of the `--http-port` listener: GET /metrics, GET /status, and
/// gearmand's job submission (POST /FUNCTION). NIO's HTTP codec answers malformed requests
/// with 400; requests are answered in order, with keep-alive.
///
/// Two deadlines keep a connection from being held forever: a request (head and body) must
/// arrive within the request timeout of the connection opening or of the last answer, and a
/// foreground job that has not ended within its job timeout is answered 504.
final class HTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let core: JobServerCore
    private let maximumBodySize: Int
    private let requestTimeout: TimeAmount
    private let jobTimeout: Int64
    /// Closes the connection when a request does not arrive in time; set while one is awaited.
    private var requestDeadline: Scheduled<Void>?
    /// Answers 504 when the job runs too long; set while a foreground job runs.
    private var jobDeadline: Scheduled<Void>?
    /// Whether the core counted this connection (false: over `--http-max-connections`).
    private var admitted = false
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var tooLarge = false
    /// The client connection of the job this request submitted, while it runs.
    private var jobClient: ConnectionID?

    init(core: JobServerCore, maximumBodySize: Int, requestTimeoutMilliseconds: Int64, jobTimeoutMilliseconds: Int64) {
        self.core = core
        self.maximumBodySize = maximumBodySize
        requestTimeout = .milliseconds(requestTimeoutMilliseconds)
        jobTimeout = jobTimeoutMilliseconds
    }

    func channelActive(context: ChannelHandlerContext) {
        admitted = core.httpConnectionOpened(address: context.channel.remoteAddress?.ipAddress ?? "-")
        guard admitted else { return context.close(promise: nil) }
        awaitRequest(context: context)
        context.fireChannelActive()
    }

    /// Starts the time a request has to arrive in.
    private func awaitRequest(context: ChannelHandlerContext) {
        requestDeadline?.cancel()
        requestDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: requestTimeout) { [weak self] in
            self?.requestDeadline = nil
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if requestDeadline == nil { awaitRequest(context: context) }
            self.head = head
            body = ByteBuffer()
            tooLarge = false
        case .body(var part):
            if body.readableBytes + part.readableBytes > maximumBodySize {
                tooLarge = true
            } else if !tooLarge {
                body.writeBuffer(&part)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            requestDeadline?.cancel()
            requestDeadline = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        if tooLarge {
            return send(.payloadTooLarge, text: "the workload is larger than --max-packet-size\n", head: head, context: context)
        }
        switch HTTPRoute(head) {
        case .metrics:
            send(.ok, body: ByteBuffer(bytes: core.metricsText()), contentType: "text/plain; version=0.0.4; charset=utf-8",
                 head: head, context: context)
        case .status:
            send(.ok, body: ByteBuffer(string: core.statusJSON()), contentType: "application/json", head: head, context: context)
        case .refuse(let status, let reason):
            send(status, text: reason + "\n", head: head, context: context)
        case .submit(let function, let unique, let priority, let background):
            let limit: Int64
            switch HTTPRoute.jobTimeout(head) {
            case .none: limit = jobTimeout
            case .milliseconds(let milliseconds): limit = milliseconds
            case .invalid:
                return send(.badRequest, text: "X-Gearman-Timeout must be milliseconds from 1 to \(Int32.max)\n",
                            head: head, context: context)
            }
            var response = HTTPJobResponse(background: background)
            let address = context.channel.remoteAddress?.ipAddress ?? "-"
            let client = core.connectHTTPClient(address: address) { [weak self] packet in
                guard let self, let finished = response.receive(packet) else { return }
                self.finishJob(finished, head: head, context: context)
            }
            jobClient = client
            if !background {
                jobDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(limit)) { [weak self] in
                    guard let self, self.jobClient == client else { return }
                    self.finishJob(.init(status: .gatewayTimeout, command: "TIMEOUT", handle: response.handle,
                                         body: ByteBuffer(string: "the job did not end within \(limit) ms\n")),
                                   head: head, context: context)
                }
            }
            core.submit(Submission(function: function, unique: unique, data: body, priority: priority, background: background),
                        fromHTTPClient: client)
        }
    }

    private func finishJob(_ finished: HTTPJobResponse.Finished, head: HTTPRequestHead, context: ChannelHandlerContext) {
        jobDeadline?.cancel()
        jobDeadline = nil
        releaseJobClient()
        var headers = HTTPHeaders([("X-Gearman-Command", finished.command)])
        if let handle = finished.handle { headers.add(name: "X-Gearman-Job-Handle", value: handle) }
        send(finished.status, body: finished.body, contentType: "application/octet-stream", extraHeaders: headers,
             head: head, context: context)
    }

    private func send(_ status: HTTPResponseStatus, text: String, head: HTTPRequestHead, context: ChannelHandlerContext) {
        send(status, body: ByteBuffer(string: text), contentType: "text/plain; charset=utf-8", head: head, context: context)
    }

    private func send(_ status: HTTPResponseStatus, body: ByteBuffer, contentType: String, extraHeaders: HTTPHeaders = [:],
                      head: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = extraHeaders
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: "\(body.readableBytes)")
        headers.add(name: "Server", value: "gearman-swift")
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let response = HTTPResponseHead(version: head.version, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(response)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if keepAlive {
            awaitRequest(context: context)
        } else {
            done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        requestDeadline?.cancel()
        jobDeadline?.cancel()
        // A client that hangs up before its job ends is a client that disconnected.
        releaseJobClient()
        if admitted { core.httpConnectionClosed() }
        context.fireChannelInactive()
    }

    /// The job's client connection ends with its answer (or with the HTTP connection).
    private func releaseJobClient() {
        guard let client = jobClient else { return }
        jobClient = nil
        core.disconnected(client)
    }
}
